// Whether the OS sandbox (bwrap-args.ts, memory-limit.ts) can be had on this host, found once per process by
// starting it for real around `node --version`: bwrap installed, namespaces allowed, the Node binary and its
// libraries mountable. Where it cannot, the reason and the fix, for botd's start line and `botctl doctor`.
import { spawnSync } from 'node:child_process';
import { bwrapArgs, sandboxUid } from './bwrap-args.js';
import { bwrapPathVariable, findBwrap, findTool } from './tools.js';

export type OsSandbox =
  | {
      available: true;
      bwrap: string;
      /** Set when botd is root: the child becomes sandboxUid through it. */
      setpriv: string | undefined;
      /** Whether the child gets a procfs of its own, and may not make user namespaces (see probe()). */
      procfs: boolean;
      noNestedUserns: boolean;
      identity: string;
    }
  | { available: false; reason: string; fix: string };

let found: OsSandbox | undefined;

export function osSandbox(): OsSandbox {
  found ??= probe();
  return found;
}

/** Forgets what was found: for tests that change the environment the probe reads. */
export function forgetOsSandbox(): void {
  found = undefined;
}

function probe(): OsSandbox {
  if (process.platform !== 'linux') return { available: false, reason: `the OS sandbox needs Linux namespaces (this is ${process.platform})`, fix: 'run botd on Linux' };
  const bwrap = findBwrap();
  if (!bwrap) {
    const override = process.env[bwrapPathVariable];
    return {
      available: false,
      reason: override ? `${bwrapPathVariable} names ${override}, which is not an executable file` : 'bubblewrap (bwrap) is not installed',
      fix: override ? `unset ${bwrapPathVariable}, or point it at bwrap` : 'install it: apt-get install bubblewrap (dnf install bubblewrap)',
    };
  }
  const root = process.getuid?.() === 0;
  const setpriv = root ? findTool('setpriv') : undefined;
  if (root && !setpriv) return { available: false, reason: 'setpriv (util-linux) is not installed, so a child of root could not drop to an unprivileged uid', fix: 'install util-linux' };
  // Under systemd's ProtectKernelTunables= (the generated unit), and in most containers, /proc/sys is read-only and
  // covered, which costs two things in a user namespace (measured with /proc/sys bound read-only over itself):
  // the kernel refuses a fresh procfs ("Can't mount proc": a user namespace may only mount one where the one it
  // sees hides nothing), and bwrap cannot write max_user_namespaces for --disable-userns. Children then get no
  // /proc (process.memoryUsage() throws; nothing else needs it), and could make user namespaces of their own,
  // which needs a system call that no JavaScript reaches without addons. Each is dropped only when bwrap says so.
  const plan = { procfs: true, noNestedUserns: true };
  let said = start(bwrap, setpriv, plan);
  for (let attempt = 0; said !== undefined && attempt < 2; attempt++) {
    if (/mount proc/i.test(said) && plan.procfs) plan.procfs = false;
    else if (/max_user_namespaces/.test(said) && plan.noNestedUserns) plan.noNestedUserns = false;
    else break;
    said = start(bwrap, setpriv, plan);
  }
  if (said !== undefined) return { available: false, reason: `bwrap cannot make the sandbox here: ${said}`, fix: namespaceFix(said) };
  return {
    ...plan,
    available: true,
    bwrap,
    setpriv,
    identity: setpriv ? `uid ${sandboxUid} (botd is root; setpriv drops to it)` : `uid ${process.getuid?.()} in a user namespace of its own, no capabilities`,
  };
}

/** Starts the sandbox around `node --version`: undefined when it works, else the last line bwrap said. */
function start(bwrap: string, setpriv: string | undefined, plan: { procfs: boolean; noNestedUserns: boolean }): string | undefined {
  const args = bwrapArgs({ files: [], command: [process.execPath, '--version'], ...plan, ...(setpriv ? { setpriv } : {}) });
  const check = spawnSync(bwrap, args, { encoding: 'utf8', env: {}, timeout: 10_000 });
  if (check.stdout?.trim() === process.version) return undefined;
  return (check.stderr || check.error?.message || `exit ${check.status}`).trim().split('\n').pop() ?? '';
}

// Unprivileged user namespaces are off on some hosts: Ubuntu 23.10+ (AppArmor), Debian before 11 (sysctl),
// and most unprivileged containers.
function namespaceFix(said: string): string {
  if (/namespace|uid map|Permission denied|Operation not permitted/i.test(said)) {
    return 'allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu an AppArmor profile for bwrap, or kernel.apparmor_restrict_unprivileged_userns=0), or run botd as root or as the systemd service `botd service` prints; in a container, allow it to create namespaces';
  }
  return 'run `bwrap --unshare-all --die-with-parent --ro-bind / / true` to see what fails';
}

/** One line for botd's start, doctor and run logs. */
export function describeOsSandbox(state: OsSandbox = osSandbox()): string {
  if (!state.available) return `OS sandbox unavailable: ${state.reason}; fix: ${state.fix}`;
  const proc = state.procfs ? '' : ' (no /proc: the kernel refused a procfs of its own here)';
  const nested = state.setpriv || state.noNestedUserns ? '' : '; may make user namespaces (/proc/sys is read-only here)';
  return `OS sandbox: bwrap (${state.bwrap}); own PID, network, mount${proc}, IPC and UTS namespaces; ${state.identity}${nested}; memory capped by RLIMIT_AS`;
}
