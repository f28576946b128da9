// botd's defaults, in one place: the daemon applies them when an option is absent, `botd start` shows them in
// its --help and passes them on, and `botd service` writes them into the unit. Imports nothing of ours, so the
// CLI reads them without loading the daemon.
import { availableParallelism } from 'node:os';

/**
 * Executions running at once (`--concurrency`); more due runs wait their turn. Two children per core. Each run
 * is mostly CPU (Node's start-up and the bot module's evaluation) with short waits on botd (spawn, the start
 * message, the outcome write): at 2 per core those waits overlap with another child's CPU; more only adds
 * context switches and memory. Measured on 2 cores, 1,000 subscriptions every minute: 4 at once ran about
 * 12.5 runs/s, 8 about 8.5 (issue #15).
 */
export const defaultConcurrency = Math.max(2, Math.min(32, 2 * availableParallelism()));
/** On SIGTERM/SIGINT, how long botd waits for running bots before stopping them (`--stop-grace`). */
export const defaultStopGraceMs = 10_000;
/** How long a child may take to stop after the abort message, and again after SIGTERM (`--kill-grace`). */
export const defaultKillGraceMs = 3_000;
/** Consecutive failed runs after which a subscription is paused (`--max-failures`). */
export const defaultMaxConsecutiveFailures = 5;
/** Each bot child's JavaScript heap limit in MB (`--heap-mb`). */
export const defaultHeapMb = 256;
/** A due run waiting this long for a free slot is logged and notified (`--backlog-warn`, backlog-watch.ts). */
export const defaultBacklogWarnMs = 60_000;
/** Longest delay at which a slot missed during downtime still runs, capped by its period (`--catch-up-deadline`). */
export const maxCatchUpDeadlineMs = 3_600_000;

/**
 * How long before its slot a run's child is spawned (`--prewarm`, prewarm.ts). A burst of due runs spawns
 * one child after another: each spawn blocks botd until the forked copy of it has exec'd the sandbox, and while
 * the children before it boot on the same cores that took 38 ms on average (9 ms of it botd's own CPU; 6.5 ms on an
 * idle machine), so 10 due together need ~400 ms to spawn, plus the last one's boot. Measured on 2 cores at 10 due
 * runs/s (`--concurrency 10`): a 500 ms lead had the last spawns land after their slot (dispatch lag p99 259 ms),
 * 800 ms had none (p99 42 ms). A 1 s schedule's previous run must then end within 200 ms of its own slot to be
 * pre-warmed (a subscription with a run under way is not); otherwise it is dispatched at its slot as usual.
 */
export const defaultWarmLeadMs = 800;
