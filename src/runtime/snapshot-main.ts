// The runtime's V8 startup snapshot (built and used by src/daemon/child-start.ts). It holds, already evaluated,
// what every bot shares and costs most to load: zod. A child started from it evaluates only its bot module (the
// bot, what it uses of the SDK, and the child runtime as one CommonJS file, bundleBotModule() in
// src/bots/bundle.ts), whose imports of zod are answered from here.
//
// Only trusted code runs while the snapshot is built: zod and this file. No bot code does (it runs in
// the child, sandboxed as ever), and neither does the child runtime, so the snapshot freezes no process state of
// its own: no channel, no argv, no environment. Node's snapshot builder only supports some built-in modules at
// build time; the ones loaded here (fs, path, v8, net, diagnostics_channel) are among them, anything else (vm) is
// taken at run time.
//
// The snapshot is built without Node's code cache (child-start.ts), so a built-in module first loaded in the child
// is compiled from source there. The child runtime's channel is a net.Socket: net, and diagnostics_channel which it
// loads, are evaluated here instead, once (preloadedBuiltins). Only loaded: no socket exists until the child
// makes one.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as v8 from 'node:v8';
import type * as Zod from 'zod';

/** Run instead of a bot module, to check that a freshly built snapshot starts under the real flags. */
export const snapshotCheckArg = '--botctl-snapshot-check';

/** Built-in modules every child loads, evaluated into the snapshot (the bundler drops bare imports of built-ins). */
const preloadedBuiltins = ['node:net', 'node:diagnostics_channel'];

/** Called by the snapshot's entry with the shared modules' namespaces, keyed by what the bot module requires: 'zod', 'zod/v4'. */
export function installSnapshotMain(namespaces: Record<string, object>): void {
  // The bot module is CommonJS compiled by esbuild: `__esModule` makes its default imports take `default`.
  const shared = new Map<string, object>(Object.entries(namespaces).map(([id, namespace]) => [id, Object.freeze({ ...namespace, __esModule: true })]));
  for (const id of preloadedBuiltins) process.getBuiltinModule(id);
  warmUp(shared.get('zod') as typeof Zod | undefined);
  v8.startupSnapshot.setDeserializeMainFunction(() => main(shared));
}

// The child: `node … --snapshot-blob <blob> -- <bot module> --botctl-child`, so argv[1] is the bot module as it
// would be the bundle's path when started from the bundle.
function main(shared: Map<string, object>): void {
  const path = process.argv[1] ?? '';
  if (path === snapshotCheckArg) {
    process.stdout.write(shared.has('zod') ? 'ok\n' : 'zod is missing\n');
    return;
  }
  const require = (id: string): unknown => {
    const module = shared.get(id) ?? process.getBuiltinModule(id);
    if (module === undefined) throw new Error(`Cannot find module '${id}'`);
    return module;
  };
  // vm at run time: the snapshot builder does not support it. The main context's loader serves the bot's
  // dynamic import() as it would in the bundle (built-ins; the sandbox decides what they may do).
  const vm = process.getBuiltinModule('node:vm');
  const wrapper = vm.compileFunction(readFileSync(path, 'utf8'), ['exports', 'require', 'module', '__filename', '__dirname'], {
    filename: path,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} };
  // The bot module's stub calls runChild(bot), as the bundle's does.
  wrapper.call(module.exports, module.exports, require, module, path, dirname(path));
}

// What every run does first (define a zod config, parse a config, good and bad) runs once here, so the snapshot
// carries those functions compiled and a child does not compile them again.
function warmUp(zod: typeof Zod | undefined): void {
  if (!zod) return;
  const { z } = zod;
  const config = z.object({
    symbol: z.string().min(1).default('BTC/USDT'),
    period: z.number().int().positive().max(500).default(14),
    ratio: z.number().min(0).max(1).optional(),
    side: z.enum(['long', 'short']).default('long'),
    enabled: z.boolean().default(true),
    levels: z.array(z.number()).default([]),
  });
  // As the child runtime parses a config (child.ts): without zod's compiled fast path.
  const once = { jitless: true };
  config.safeParse({}, once);
  config.safeParse({ period: 20, ratio: 0.5, side: 'short', levels: [1, 2] }, once);
  config.safeParse({ period: 'x', side: 'up', levels: ['a'] }, once);
  z.object({}).safeParse({}, once);
}
