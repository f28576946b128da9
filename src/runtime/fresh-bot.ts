// A fresh instance of the bot's module, for a sweep's child that runs config after config (backtest-loop.ts): a bot
// keeping something in a module-level variable must start each config as a child of its own would, with the module
// just evaluated, or one config's run would steer the next's.
//
// The module is evaluated again, and its stub's runChild(bot) hands the new bot here instead of starting a second
// runtime (handedOver). Started from the runtime snapshot, the bot module (CommonJS) is compiled once and its
// wrapper called again (snapshot-main.ts registers it); the previous instance is garbage once nothing refers to it.
// Started from the bundle (ES module), the bundle is imported again under a distinct URL query, which Node evaluates
// as a new module; Node keeps every such instance in its module map for the life of the child, so a bundle-started
// sweep child grows by one bundle evaluation per config (the bundle form is the fallback until the snapshot and the
// bot module are built, src/daemon/child-start.ts).
//
// What this cannot reset is what a bot deliberately puts on globalThis or on built-in prototypes: that is not module
// state, and a bot doing so only misleads its own sweep (each run's trades are served again and reported by the
// parent, and an answer of the child's engine that a change bent stops the run: src/backtest/child-driver.ts).

/** Where the re-evaluated module's runChild finds who asked for it: across the bundle's copies of this module. */
const hookKey = Symbol.for('botctl.freshBot');

let reevaluate: (() => void) | undefined;

/** Registered by the snapshot's main function: evaluates the bot module again. */
export function setReevaluate(fn: () => void): void {
  reevaluate = fn;
}

/** runChild's first step: true when this evaluation of the bot module was asked for by freshBot(), which took the bot. */
export function handedOver(bot: unknown): boolean {
  const hook = (globalThis as Record<symbol, unknown>)[hookKey];
  if (typeof hook !== 'function') return false;
  (hook as (bot: unknown) => void)(bot);
  return true;
}

/** The bot of a new evaluation of its module; `n` tells the evaluations apart (the bundle's URL query). */
export async function freshBot(n: number): Promise<unknown> {
  let bot: unknown;
  Object.defineProperty(globalThis, hookKey, { value: (b: unknown) => (bot = b), configurable: true, enumerable: false, writable: false });
  try {
    if (reevaluate) reevaluate();
    else {
      const { pathToFileURL } = process.getBuiltinModule('node:url');
      await import(`${pathToFileURL(process.argv[1] ?? '').href}?config=${n}`);
    }
  } finally {
    delete (globalThis as Record<symbol, unknown>)[hookKey];
  }
  return bot;
}
