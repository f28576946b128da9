// One bot child from spawn to exit: spawned sandboxed in its own process group, told to start when it may
// (begin), held to its timeout, stopped on shutdown or when it breaks a channel limit, and cleaned up after
// (nothing of its group outlives it). Its channel is child-channel.ts; what its end means is verdict.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { getPriority, setPriority } from 'node:os';
import type { ExchangeSession } from '../broker/session.js';
import { ChildChannel } from './child-channel.js';
import type { ChildStart } from './child-start.js';
import type { LogTail } from './log-tail.js';
import { errorText } from './log.js';
import { groupAlive, signalGroup, terminateGroup } from './process-group.js';
import { sandboxEnv, sandboxNodeArgs } from '../sandbox/node-flags.js';
import { childCommand, type ChildCommand } from '../sandbox/child-command.js';
import type { Begin } from './start-message.js';
import type { ChildEnd } from './verdict.js';
import { startDeadline } from './deadline.js';

/** Added to botd's own niceness for each bot child. */
const childNiceness = 5;

export interface Supervision {
  launch: ChildStart;
  /** Resolves when the child may start (at once, or at the slot when pre-warmed). */
  begin(): Promise<Begin>;
  session: ExchangeSession;
  heapMb: number;
  killGraceMs: number;
  sandbox: boolean;
  /** An uploaded bot: refused where the OS sandbox cannot be had, unless the operator allowed it. */
  custom: boolean;
  tail: LogTail;
  cancel: AbortSignal | undefined;
  onSpawn(pid: number): void;
  /** The start message has been sent. */
  onStart(pid: number): void;
}

export async function supervise(s: Supervision): Promise<ChildEnd> {
  const end: ChildEnd = { result: undefined, exitCode: null, signal: null, timedOut: false, cancelled: false, tail: s.tail, signals: [], timeoutMs: 0 };
  // Node inside the OS sandbox (src/sandbox/child-command.ts), or why it may not start at all.
  let command: ChildCommand;
  try {
    const nodeArgs = s.sandbox ? sandboxNodeArgs(s.launch.readable, s.heapMb) : [`--max-old-space-size=${s.heapMb}`];
    const env = { ...sandboxEnv(), ...s.launch.env };
    command = childCommand({ nodeArgs: [...nodeArgs, ...s.launch.entry, '--botctl-child'], files: s.launch.files, env, heapMb: s.heapMb, custom: s.custom, osSandbox: s.sandbox });
  } catch (error) {
    return { ...end, spawnError: errorText(error) };
  }
  if (command.warning) s.tail.line(command.warning);
  const spawned = spawnChild(command, end);
  const pid = spawned.child.pid;
  if (pid === undefined) {
    await spawned.exited;
    return { ...end, spawnError: spawned.spawnError() ?? 'spawn failed' };
  }
  lowerPriority(pid);
  let unrecorded: string | undefined;
  try {
    s.onSpawn(pid);
  } catch (error) {
    // Its pid could not be stored (disk full): a child botd could not find again after a crash never starts.
    unrecorded = `botd could not record the child's pid: ${errorText(error)}`;
  }
  spawned.child.stdout?.on('data', (chunk: Buffer) => s.tail.write(chunk));
  spawned.child.stderr?.on('data', (chunk: Buffer) => s.tail.write(chunk));
  const child = new SupervisedChild(s, end, spawned, pid);
  await child.startWhenReady(unrecorded);
  await child.ended();
  return end;
}

interface Spawned {
  child: ChildProcess;
  socket: Socket;
  /** Resolves when the child has exited (or could not be spawned). */
  exited: Promise<void>;
  /** Resolves once the pipes and the channel have delivered their last byte (or closed abnormally). */
  drained: Promise<unknown>;
  spawnError(): string | undefined;
}

function spawnChild(command: ChildCommand, end: ChildEnd): Spawned {
  // node:child_process rather than execa: none of execa's features apply here (output is streamed into the
  // tail, the kill sequence and the message channel are ours), and it measured ~8 ms slower per execution.
  const child = spawn(command.command, command.args, {
    // Its own process group (and session): the group is what gets signalled, descendants included.
    detached: true,
    // The child's whole environment: nothing of the daemon's.
    env: command.env,
    // stdout and stderr are consumed chunk by chunk into the bounded tail, never accumulated. fd 3 is the
    // message channel, a socketpair read with a size limit. No 'ipc': Node's channel buffers a message of any
    // size, so the child has none (process.send is undefined there).
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  // A duplex socket on Unix, where libuv makes every stdio pipe a socketpair.
  const socket = child.stdio[3] as Socket;
  // Errors on it mean the child closed its end or is gone: its exit tells the rest.
  socket.on('error', () => {});
  const drained = Promise.all(
    [child.stdout, child.stderr, socket].map((stream) => stream && new Promise<void>((resolve) => stream.once('close', () => resolve()))),
  );
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      [end.exitCode, end.signal] = command.exit(code, signal);
      // Killed by the kernel for its cgroup's memory budget: said plainly, not as a bare SIGKILL.
      const outOfMemory = command.release();
      if (outOfMemory) end.outOfMemory = outOfMemory;
      resolve();
    });
    // Spawning failed (no 'exit' follows), or a later error of the handle.
    child.on('error', (error) => {
      spawnError ??= error;
      if (child.pid === undefined) {
        command.release();
        resolve();
      }
    });
  });
  return { child, socket, exited, drained, spawnError: () => spawnError?.message };
}

// Bots yield the CPU to botd itself: a burst of children starting must not delay the next spawn.
function lowerPriority(pid: number): void {
  try {
    setPriority(pid, Math.min(19, getPriority() + childNiceness));
  } catch {
    // Not permitted (or already gone): it runs at botd's priority.
  }
}

class SupervisedChild {
  readonly #channel: ChildChannel;
  #exited = false;
  #stopping: Promise<void> | undefined;
  #cancelDeadline = (): void => {};

  constructor(
    private readonly s: Supervision,
    private readonly end: ChildEnd,
    private readonly spawned: Spawned,
    private readonly pid: number,
  ) {
    this.#channel = new ChildChannel(spawned.socket, {
      session: s.session,
      tail: s.tail,
      // The bot has reported: its processes end now, not once Node has torn itself down. No bot code runs after
      // its result is in (a timer or exit handler it left cannot keep the CPU, print, or call the broker), and
      // botd does not wait on Node's teardown (result → pipes closed: 13.4 ms → 11.4 ms, median of 25; the rest
      // is the kernel freeing the child's memory). Nothing is lost: the child reports only once what it printed
      // is in the pipe (pending-calls.ts), and botd drains the pipe after. Should the signal fail, the usual stop.
      onResult: () => {
        try {
          signalGroup(this.pid, 'SIGKILL');
        } catch {
          void this.#stop(false);
        }
      },
      onViolation: () => void this.#stop(false),
    });
    end.signals = this.#channel.signals;
    void spawned.exited.then(() => {
      this.#exited = true;
      this.#channel.childExited();
    });
  }

  /** Waits for begin(), then sends the start message and starts the timeout; or stops a child never started. */
  async startWhenReady(refused?: string): Promise<void> {
    let begin: Begin;
    try {
      begin = refused ? { status: 'failed', error: refused } : await this.s.begin();
    } catch (error) {
      begin = { status: 'failed', error: `botd could not start the run: ${errorText(error)}` };
    }
    if ('status' in begin) {
      // Never told to start, so it has done nothing: close its channel (it exits on its own) and stop its group.
      this.end.notStarted = begin;
      this.#channel.close();
      void this.#stop(false);
      return;
    }
    this.end.timeoutMs = begin.timeoutMs;
    // The timeout counts from the start message, not from a pre-warmed spawn.
    // A child that reported (or exited) before its deadline is judged by that, however late botd sees it.
    this.#cancelDeadline = startDeadline(
      begin.timeoutMs,
      () => Boolean(this.#channel.result) || this.#exited,
      () => {
        this.end.timedOut = true;
        void this.#stop(true);
      },
    );
    if (this.s.cancel?.aborted) this.#onCancel();
    else this.s.cancel?.addEventListener('abort', this.#onCancel, { once: true });
    this.#channel.send(begin.start);
    this.s.onStart(this.pid);
  }

  /** Waits for the child's exit, ends what it left behind, and fills in the rest of its end. */
  async ended(): Promise<void> {
    const { s, end } = this;
    await this.spawned.exited;
    this.#cancelDeadline();
    s.cancel?.removeEventListener('abort', this.#onCancel);
    if (this.#stopping) await this.#stopping;
    // The child is gone; whatever it started (outside the sandbox) must not outlive it.
    if (groupAlive(this.pid)) {
      const leftover = await terminateGroup(this.pid, Math.min(s.killGraceMs, 1_000));
      s.tail.line(`[botd] processes the bot left behind were ended (${leftover})`);
    }
    // Let the pipes drain; nothing of the group is left to hold them open, but never wait on them forever (a
    // process that left the group may). After a stall of botd itself (a loaded machine), this timer and the
    // last bytes come due together, and timers run before I/O: read what is waiting (setImmediate runs after
    // the I/O phase) before giving up on it.
    const giveUp = new Promise((resolve) => setTimeout(() => setImmediate(resolve), 5_000).unref());
    await Promise.race([this.spawned.drained, giveUp]);
    // Last, so no later output pushes it out of the tail the run row keeps.
    const capped = this.#channel.capNote();
    if (capped) s.tail.line(capped);
    end.result = this.#channel.result;
    if (this.#channel.violation !== undefined) end.violation = this.#channel.violation;
  }

  readonly #onCancel = (): void => {
    if (this.#channel.result) return;
    this.end.cancelled = true;
    void this.#stop(true);
  };

  #exitWithin(ms: number): Promise<boolean> {
    return Promise.race([this.spawned.exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(resolve, ms, false).unref())]);
  }

  // Abort message first (ctx.abortSignal fires, a cooperative bot returns), then SIGTERM to the group, a
  // grace period, SIGKILL. `abort` is false once the bot has reported: it only needs to go.
  #stop(abort: boolean): Promise<void> {
    this.#stopping ??= (async () => {
      if (abort && !this.#exited) {
        this.#channel.send({ type: 'abort', reason: this.end.timedOut ? `timed out after ${this.end.timeoutMs} ms` : 'botd is shutting down' });
        if (await this.#exitWithin(this.s.killGraceMs)) {
          this.end.stopped = 'exited';
          return;
        }
      }
      this.end.stopped = await terminateGroup(this.pid, this.s.killGraceMs);
    })().catch((error: unknown) => {
      this.s.tail.line(`[botd] could not stop the bot's processes: ${errorText(error)}`);
    });
    return this.#stopping;
  }
}
