// The runtime's V8 startup snapshot (built and used by src/daemon/child-start.ts). It holds, already evaluated,
// what every child runs and costs most to load: zod and the child runtime (with the SDK's errors), warmed up by
// src/runtime/warm-up.ts. A child started from it evaluates only its bot module (the bot and what it uses of the
// SDK, one CommonJS file, bundleBotModule() in src/bots/bundle.ts), whose imports of those are answered from here.
//
// Only trusted code runs while the snapshot is built: zod, the runtime and a bot of our own. No bot code does (it
// runs in the child, sandboxed as ever), and the runtime only over in-memory channels, so the snapshot freezes no
// process state of its own: no channel, no argv, no environment. Node's snapshot builder only supports some
// built-in modules at build time; the ones loaded here and by the warm-up (fs, path, v8, stream, net,
// diagnostics_channel) are among them, anything else (vm) is taken at run time.
//
// The snapshot carries Node's code cache (child-start.ts says why), so a built-in module first loaded in the child
// is compiled from that cache. The child runtime's channel is a net.Socket: net, and diagnostics_channel which it
// loads, are evaluated here instead, once (preloadedBuiltins). Only loaded: no socket exists until the child
// makes one.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as v8 from 'node:v8';
import { setReevaluate } from './fresh-bot.js';

/** Run instead of a bot module, to check that a freshly built snapshot starts under the real flags. */
export const snapshotCheckArg = '--botctl-snapshot-check';

/** Built-in modules every child loads, evaluated into the snapshot (the bundler drops bare imports of built-ins). */
const preloadedBuiltins = ['node:net', 'node:diagnostics_channel'];

/**
 * Called by the snapshot's entry with the shared modules' namespaces, keyed by what the bot module requires: 'zod',
 * 'zod/v4', 'botctl-runtime' and 'botctl-sdk:errors' (src/bots/bundle.ts).
 */
export function installSnapshotMain(namespaces: Record<string, object>): void {
  // The bot module is CommonJS compiled by esbuild: `__esModule` makes its default imports take `default`.
  const shared = new Map<string, object>(Object.entries(namespaces).map(([id, namespace]) => [id, Object.freeze({ ...namespace, __esModule: true })]));
  for (const id of preloadedBuiltins) process.getBuiltinModule(id);
  v8.startupSnapshot.setDeserializeMainFunction(() => main(shared));
}

// The child: `node … --snapshot-blob <blob> -- <bot module> --botctl-child`, so argv[1] is the bot module as it
// would be the bundle's path when started from the bundle.
function main(shared: Map<string, object>): void {
  const path = process.argv[1] ?? '';
  if (path === snapshotCheckArg) {
    process.stdout.write(shared.has('botctl-runtime') ? 'ok\n' : 'the child runtime is missing\n');
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
  const evaluate = () => {
    const module = { exports: {} };
    // The bot module's stub calls runChild(bot), as the bundle's does.
    wrapper.call(module.exports, module.exports, require, module, path, dirname(path));
  };
  // A sweep's child evaluates it again for each config (fresh-bot.ts).
  setReevaluate(evaluate);
  evaluate();
}
