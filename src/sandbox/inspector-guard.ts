// Whether SIGUSR1 can open the V8 inspector in this process (botd or botctl, which hold keys). Two guards (bin/*.js):
//   - `node --disable-sigusr1` (Node 22.14+ and 24): nothing opens, from the process's first instruction on. The bin
//     shims, started as programs, pass it where Node has it; `botd service` puts it in ExecStart; NODE_OPTIONS
//     accepts it too (22 and 24).
//   - A SIGUSR1 listener, first thing in the shims: libuv's handler then replaces Node's, and the signal does
//     nothing. Measured on Node 20.20, 22.23 and 24.22 alike (an earlier note here said Node 24 ignored it: what
//     was seen there is the window below). Before it is installed, from exec until the shim's first line runs, Node's
//     own handler opens the inspector: signals sent every 50 ms from a botd's exec opened it on 20, 22 and 24 under
//     load. On Node 20, which has no flag, that start-up window is what remains.
//
// Cost of the flag through the shim (sh, then `node --disable-sigusr1 --version`, which starts no V8): see the
// README's "Security model" for the figures measured against `node -e 0`.
export const disableFlag = '--disable-sigusr1';

export interface InspectorGuard {
  /** No SIGUSR1 opens the inspector at any time (the flag), or only in the start-up window (the listener). */
  closed: 'always' | 'after start-up';
  how: string;
}

export function inspectorGuard(): InspectorGuard {
  const flagged = process.execArgv.includes(disableFlag) || (process.env.NODE_OPTIONS ?? '').split(/\s+/).includes(disableFlag);
  if (flagged) return { closed: 'always', how: `node ${disableFlag}` };
  const listener = 'a SIGUSR1 listener in the bin shims replaces the inspector handler';
  if (!process.allowedNodeEnvironmentFlags.has(disableFlag)) {
    return { closed: 'after start-up', how: `${listener}; Node ${process.version} has no ${disableFlag}, so a SIGUSR1 in the first tens of ms after exec can still open it (Node 22.14+ closes that)` };
  }
  return { closed: 'after start-up', how: `${listener}; started without ${disableFlag} (as \`node bin/…js\`?), so a SIGUSR1 in the first tens of ms after exec can still open it: start botctl/botd as programs (the shims pass it), or NODE_OPTIONS=${disableFlag}` };
}
