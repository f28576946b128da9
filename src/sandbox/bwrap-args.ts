// bubblewrap's arguments for one bot child. Each child gets:
//   - its own PID namespace: it sees and can signal only itself (bwrap's small init is pid 1 there), so
//     kill(ppid), kill(-1) and a sibling's pid reach nothing of botd's, the CLI's or another bot's;
//   - its own network namespace: only a loopback of its own, no route anywhere (the exchange is the broker's);
//   - its own mount namespace on an empty root with only the read-only binds of mount-view.ts;
//   - its own IPC and UTS namespaces, and a cgroup namespace where the kernel has one;
//   - an unprivileged identity with no capabilities and no_new_privs (see identityArgs);
//   - a new session (setsid), so no terminal can be driven through TIOCSTI, and --die-with-parent: if bwrap
//     (or botd above it) dies, everything inside is killed with it.
//
// How it ends: bwrap exits with the child's exit code, or 128 + the signal that ended it (decodeBwrapExit).
// Signals to bwrap's process group (process-group.ts) end bwrap, and --die-with-parent then SIGKILLs the
// namespace: the bot gets the abort message over its channel first, as always, but no SIGTERM of its own.
import { executableBinds, memorySettingsBinds, parentDirectories, type Bind } from './mount-view.js';

/** The uid and gid a child runs as when botd is root: `nobody`, which owns no file. */
export const sandboxUid = 65534;

export interface BwrapPlan {
  /** Files the child is given to read (its bundle; or the snapshot and its bot module). */
  files: string[];
  /** The Node binary and its arguments. */
  command: string[];
  /** Root starts bwrap without a user namespace and drops to sandboxUid with setpriv inside it. */
  setpriv?: string;
  /** A procfs of its own (only its own processes in it). False where the kernel refuses one (os-sandbox.ts). */
  procfs: boolean;
  /** In a user namespace: forbid the child further ones. False where /proc/sys is read-only (os-sandbox.ts). */
  noNestedUserns?: boolean;
}

export function bwrapArgs(plan: BwrapPlan): string[] {
  const [node, ...rest] = plan.command;
  if (!node) throw new Error('no command to sandbox');
  const binds: Bind[] = [...executableBinds(node), ...(plan.setpriv ? executableBinds(plan.setpriv) : []), ...memorySettingsBinds()];
  for (const file of plan.files) binds.push({ source: file, target: file });
  const unique = [...new Map(binds.map((b) => [b.target, b])).values()];
  const args = [
    ...identityArgs(plan),
    '--unshare-pid',
    '--unshare-net',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--die-with-parent',
    '--new-session',
    // Parents of the binds, world-traversable (bwrap would make them 0700 for root, unreadable to nobody).
    ...parentDirectories(unique.map((b) => b.target)).flatMap((dir) => ['--perms', '0755', '--dir', dir]),
    ...unique.flatMap((b) => ['--ro-bind', b.source, b.target]),
    // Its own procfs (only its own processes are in it): Node reads /proc/self for process.memoryUsage().
    ...(plan.procfs ? ['--proc', '/proc'] : []),
    '--chdir',
    '/',
    '--',
  ];
  if (plan.setpriv) {
    const id = String(sandboxUid);
    args.push(plan.setpriv, `--reuid=${id}`, `--regid=${id}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', '--');
  }
  return [...args, node, ...rest];
}

// As root, bwrap needs no user namespace: it builds the sandbox with root's rights, and setpriv then becomes
// `nobody` with an empty capability bounding set and no_new_privs before Node starts. Not root, bwrap makes a
// user namespace (the same uid inside, no capabilities) and forbids the child to make further ones.
function identityArgs(plan: BwrapPlan): string[] {
  if (plan.setpriv) return [];
  return ['--unshare-user', ...(plan.noNestedUserns === false ? [] : ['--disable-userns']), '--cap-drop', 'ALL'];
}

/** bwrap reports a child ended by signal N as exit code 128 + N: the run records the signal. */
export function decodeBwrapExit(code: number | null, signal: string | null, signalNames: Record<number, string>): [number | null, string | null] {
  if (signal !== null || code === null || code <= 128) return [code, signal];
  const name = signalNames[code - 128];
  return name ? [null, name] : [code, signal];
}
