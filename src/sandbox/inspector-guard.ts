// Whether SIGUSR1 can open the V8 inspector in this process (botd or botctl, which hold keys). The bin shims
// install a SIGUSR1 listener first thing: on Node 20.20 and 22.23 libuv's handler then replaces Node's and the
// signal does nothing; Node 24 (measured on 24.22.3) watches SIGUSR1 on a thread of its own and opens the inspector
// regardless. There only `node --disable-sigusr1` (Node 22.14+; `botd service` puts it in ExecStart) or
// NODE_OPTIONS=--disable-sigusr1 closes it.
export const disableFlag = '--disable-sigusr1';

export interface InspectorGuard {
  closed: boolean;
  how: string;
}

export function inspectorGuard(): InspectorGuard {
  const flagged = process.execArgv.includes(disableFlag) || (process.env.NODE_OPTIONS ?? '').split(/\s+/).includes(disableFlag);
  if (flagged) return { closed: true, how: `node ${disableFlag}` };
  const major = Number(process.versions.node.split('.')[0]);
  if (major <= 22) return { closed: true, how: 'a SIGUSR1 listener in the bin shims replaces the inspector handler (Node 20 and 22)' };
  return { closed: false, how: `Node ${process.version} opens the inspector on SIGUSR1 despite a listener: start botd with node ${disableFlag} (botd service does) or NODE_OPTIONS=${disableFlag}` };
}
