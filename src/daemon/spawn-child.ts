// How a backtest's child is spawned: the command a run's child gets (src/sandbox/child-command.ts: Node's
// permission model inside the OS sandbox, the same files readable, the same environment), in its own process group
// at a lower priority, as supervise.ts spawns a run's. Only the entry mode differs.
import { spawn, type ChildProcess } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';
import { childCommand } from '../sandbox/child-command.js';
import type { ChildStart } from './child-start.js';
import { sandboxEnv, sandboxNodeArgs } from '../sandbox/node-flags.js';

/** Added to the parent's own niceness for each bot child, as for a run's. */
const childNiceness = 5;

export interface SpawnChildOptions {
  launch: ChildStart;
  heapMb: number;
  /** Both walls around the child. Off only in tests that need a bot to spawn processes. */
  sandbox: boolean;
  /** Uploaded code: refused where the OS sandbox cannot be had, unless the operator allowed it. */
  custom: boolean;
  /** '--botctl-child' (one execution) or '--botctl-backtest' (every slot of a period). */
  mode: string;
}

export interface SpawnedBotChild {
  child: ChildProcess;
  /** The child's exit as the bot ended (the OS sandbox reports a signal as 128 + N). */
  exit(code: number | null, signal: string | null): [number | null, string | null];
  /** Once it has exited: why the kernel killed it for its cgroup's memory budget, in a sentence, or undefined. */
  outOfMemory(): string | undefined;
  warning?: string | undefined;
}

/** Throws SandboxRefused when the child may not start at all. */
export function spawnBotChild(o: SpawnChildOptions): SpawnedBotChild {
  const nodeArgs = o.sandbox ? sandboxNodeArgs(o.launch.readable, o.heapMb) : [`--max-old-space-size=${o.heapMb}`];
  const command = childCommand({ nodeArgs: [...nodeArgs, ...o.launch.entry, o.mode], files: o.launch.files, env: { ...sandboxEnv(), ...o.launch.env }, heapMb: o.heapMb, custom: o.custom, osSandbox: o.sandbox });
  // Its own process group; stdout and stderr piped; fd 3 the message channel (a socketpair), no Node IPC channel.
  const child = spawn(command.command, command.args, { detached: true, env: command.env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  if (child.pid !== undefined) {
    try {
      setPriority(child.pid, Math.min(19, getPriority() + childNiceness));
    } catch {
      // Not permitted (or already gone): it runs at the parent's priority.
    }
  }
  return { child, exit: command.exit, outOfMemory: () => command.release(), warning: command.warning };
}
