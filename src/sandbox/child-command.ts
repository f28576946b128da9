// The command that starts one child running bot code (a run, a snapshot check, a describe): Node with its own
// flags (Node's permission model, node-flags.ts: the first wall) inside the OS sandbox (the second:
// bwrap-args.ts, memory-limit.ts), started by its launcher (launcher.ts), in a cgroup of its own where botd has one
// to give (run-cgroup.ts). Where the OS sandbox cannot be had, template bots start with the first wall only and a
// warning (in their cgroup and under RLIMIT_AS still); custom bots are refused unless the operator accepted that
// risk by name.
//
// The chain: launcher → bwrap → setpriv (to uid 65534) → node where botd is root; launcher → bwrap (in a user
// namespace) → node where it is not.
import { chmodSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { bwrapArgs, decodeBwrapExit } from './bwrap-args.js';
import { cgroupLayer } from './cgroup-claim.js';
import { launcherInForce, launcherPrefix } from './launcher.js';
import { describeOsSandbox, osSandbox } from './os-sandbox.js';
import { unsandboxedCustomBotsAllowed, unsandboxedFlag, unsandboxedVariable } from './policy.js';
import { createRunCgroup, type RunCgroup } from './run-cgroup.js';

export interface ChildSpec {
  /** Node's arguments: flags, entry, mode. */
  nodeArgs: string[];
  /** Files the child reads (must be in nodeArgs' --allow-fs-read too). */
  files: string[];
  /** The child's whole environment. */
  env: Record<string, string>;
  heapMb: number;
  /** Uploaded code (refused without the OS sandbox unless allowed), rather than a template of this install. */
  custom: boolean;
  /** False only in tests that need a bot to spawn processes: no wall at all around it then. */
  osSandbox?: boolean;
  /** The Node binary; botd's own by default. */
  node?: string;
}

export interface ChildCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Set when the child runs without the OS sandbox: a line for the run's log. */
  warning?: string;
  /** The child's exit as Node reported it → as the bot ended (bwrap turns a signal into 128 + N). Releases its cgroup. */
  exit(code: number | null, signal: string | null): [number | null, string | null];
  /**
   * Once the child has exited (or could not start): removes its cgroup, and says why when the kernel killed it for
   * its memory budget. Idempotent; exit() calls it too.
   */
  release(): string | undefined;
}

// The first name of each number: SIGABRT, not its alias SIGIOT.
const signalNames: Record<number, string> = {};
for (const [name, n] of Object.entries(constants.signals)) signalNames[n] ??= name;
const asIs = (code: number | null, signal: string | null): [number | null, string | null] => [code, signal];

export class SandboxRefused extends Error {
  override name = 'SandboxRefused';
}

const nothingToRelease = () => undefined;

export function childCommand(spec: ChildSpec): ChildCommand {
  const node = spec.node ?? process.execPath;
  if (spec.osSandbox === false) return { command: node, args: spec.nodeArgs, env: spec.env, exit: asIs, release: nothingToRelease };
  const command = sandboxed(spec, node);
  if (!launcherInForce) return { ...command, release: nothingToRelease };
  const layer = cgroupLayer();
  const cgroup: RunCgroup | undefined = layer.kind === 'none' ? undefined : createRunCgroup(layer, spec.heapMb);
  const launcher = launcherPrefix({ procs: cgroup?.procs ?? [], heapMb: spec.heapMb });
  const release = () => cgroup?.release();
  return {
    ...command,
    command: launcher[0]!,
    args: [...launcher.slice(1), command.command, ...command.args],
    exit: (code, signal) => {
      release();
      return command.exit(code, signal);
    },
    release,
  };
}

function sandboxed(spec: ChildSpec, node: string): Omit<ChildCommand, 'release'> {
  const state = osSandbox();
  if (!state.available) {
    if (spec.custom && !unsandboxedCustomBotsAllowed()) {
      const accept = `to accept the risk: botd start ${unsandboxedFlag}, or ${unsandboxedVariable}=1 for botctl`;
      throw new SandboxRefused(`custom bots run only inside the OS sandbox, and ${describeOsSandbox(state)} (${accept})`);
    }
    return { command: node, args: spec.nodeArgs, env: spec.env, exit: asIs, warning: `[botd] warning: this child runs without the OS sandbox (${state.reason}); only Node's permission model confines it` };
  }
  if (state.setpriv) readableByAll(spec.files);
  const inner = bwrapArgs({ files: spec.files, command: [node, ...spec.nodeArgs], procfs: state.procfs, noNestedUserns: state.noNestedUserns, ...(state.setpriv ? { setpriv: state.setpriv } : {}) });
  const exit = (code: number | null, signal: string | null) => decodeBwrapExit(code, signal, signalNames);
  return { command: state.bwrap, args: inner, env: spec.env, exit };
}

// A child of root runs as `nobody`, which must be able to read the files it is given once they are bound
// into its view. They are written 0600 in the cache, inside the 0700 home: 0644 there lets nobody else reach them
// by path (the home stops them), only the sandbox they are bound into. Checked at each start, as files cached by
// an earlier version of botd are 0600.
function readableByAll(files: string[]): void {
  for (const file of files) {
    const { mode } = statSync(file);
    if ((mode & 0o004) === 0) chmodSync(file, (mode & 0o777) | 0o044);
  }
}
