#!/bin/sh
":" //; node --disable-sigusr1 --version >/dev/null 2>&1; case $? in 0) exec node --disable-sigusr1 "$0" "$@";; 9) exec node "$0" "$@";; esac; echo "botctl: node did not start (is it on PATH?)" >&2; exit 1
// SIGUSR1 must never open the V8 inspector (127.0.0.1:9229) in this process, which holds the master key: whatever
// reaches that port runs code here. Two guards:
//   - Started as a program (`botctl`, through PATH or npm's bin link), line 2 is a shell line (and JavaScript sees a
//     string and a comment): where Node has --disable-sigusr1 (22.14+, 24) it execs Node on this file with it, so no
//     SIGUSR1 opens anything from the first instruction on. Node 20 refuses the flag (exit 9, "bad option") and
//     runs without it; anything else (no node, the probe killed) stops here rather than run unguarded. It costs one
//     `node --version` (no V8 start) and a shell: src/sandbox/inspector-guard.ts has the figures.
//   - A listener, first thing in JavaScript: libuv's handler then replaces Node's own, so a SIGUSR1 arriving after
//     it does nothing (measured on Node 20.20, 22.23 and 24.22: test/security/inspector.test.ts). Before it, from
//     exec to this line (tens of ms), Node's own handler is there: the only guard on Node 20, or when started as
//     `node bin/botctl.js`. Kept for the process's life (removing it would restore SIGUSR1's default action, which
//     ends the process).
process.on('SIGUSR1', () => {});
// Bundled at build time (scripts/bundle-bins.ts) so start-up stays close to bare Node's.
// Node 22.1+ also keeps V8's compiled code of the bundle on disk (in the OS temp folder) for the next start.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('../dist/bin/botctl.js');

process.exitCode = await main();
