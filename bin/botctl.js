#!/usr/bin/env node
// First, before anything else: SIGUSR1 must not open the V8 inspector (127.0.0.1:9229), through which whatever
// reaches that port runs code in this process, which holds the master key. Node 22.14+ has --disable-sigusr1, which
// a shebang cannot pass portably, and Node 20 has nothing of the kind. On Node 20 and 22 a listener does it: libuv's
// handler replaces Node's own, so the signal arrives here and does nothing (test/security/inspector.test.ts).
// Node 24 ignores it; there only the flag works (src/sandbox/inspector-guard.ts; `botd service` passes it).
// Kept for the process's life (removing it would restore SIGUSR1's default action, which ends the process).
process.on('SIGUSR1', () => {});
// Bundled at build time (scripts/bundle-bins.ts) so start-up stays close to bare Node's.
// Node 22.1+ also keeps V8's compiled code of the bundle on disk (in the OS temp folder) for the next start.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('../dist/bin/botctl.js');

process.exitCode = await main();
