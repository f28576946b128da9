// The first program of every child that runs bot code: a small /bin/sh script that, before anything of the bot
// runs,
//   - joins the child's own cgroups (each cgroup.procs file named up to `--`; run-cgroup.ts), where there are any,
//     so everything the child starts is in them too;
//   - caps the address space (RLIMIT_AS, memory-limit.ts) and forbids core dumps, for every process it execs;
// and then execs the rest (bwrap → setpriv → node, or node alone where the OS sandbox cannot be had). A step that
// fails ends the child with exit 125 before Node starts: no child runs outside its cgroup or above its memory cap.
//
// Shell builtins only (`echo`, `ulimit`): every program exec'd before Node costs each child its start (util-linux's
// prlimit, which this replaces, 1.3-2.4 ms on the 2-core reference machine), and a POSIX shell is on every host.
import { addressSpaceLimitBytes } from './memory-limit.js';

/** Whether children start from the launcher here: it is a POSIX shell's, and its limits are Linux's. */
export const launcherInForce = process.platform === 'linux';

/** The exit status of a launcher step that failed: the child never started. */
export const launcherFailed = 125;

export interface LauncherPlan {
  /** cgroup.procs files to join (none without a cgroup layer). */
  procs: string[];
  /** The V8 heap cap, from which the address-space cap follows. */
  heapMb: number;
}

/** `/bin/sh -c <script> botctl-launch <procs…> --`: the command's prefix; the command to exec follows. */
export function launcherPrefix(plan: LauncherPlan): string[] {
  const kb = addressSpaceLimitBytes(plan.heapMb) / 1024;
  const steps = [
    // $$ is the shell's pid, which exec keeps.
    `while [ "$1" != -- ]; do echo $$ > "$1" || exit ${launcherFailed}; shift; done; shift`,
    `ulimit -v ${kb} && ulimit -c 0 || exit ${launcherFailed}`,
    'exec "$@"',
  ];
  return ['/bin/sh', '-c', steps.join('; '), 'botctl-launch', ...plan.procs, '--'];
}
