#!/usr/bin/env node
// Bundled at build time (scripts/bundle-bins.ts) so start-up stays close to bare Node's.
const { main } = await import('../dist/bin/botd.js');

process.exitCode = await main();
