// `npm run check:imports` (run by `npm test` and .ci/run): src/ imports only downwards through its layers, and
// has no cycle. Type-only and lazy (`await import`) imports count too: a cycle or an upward import through them
// still means a lower module that needs a higher one, which is how the broker once ended up above the daemon
// that uses it.

// The layers, top to bottom (README, "How it works"; ../shared/docs/architecture.md, "Layout"). A folder may
// import its own layer and any layer below, never one above. Within a layer imports go either way (bots and
// subscriptions name each other's rows), and no-circular keeps those acyclic.
const layers = [
  ['cli'],
  // Backtests drive a child as a run does (daemon/child-start, the defaults) and are driven by the CLI only.
  ['backtest'],
  ['daemon'],
  ['notify', 'metrics', 'fleet'],
  ['broker'],
  // secrets sits here because keys are named like bots (bots/names.ts) and subscriptions check their key.
  ['bots', 'subscriptions', 'secrets'],
  ['sandbox', 'runtime', 'store', 'db', 'market-data', 'events'],
  // What everything may use: the SDK bots import (it imports nothing of ours), text helpers and src/*.ts.
  ['sdk', 'text', '[^/]+\\.ts$'],
];

const folders = (names) => `^src/(${names.join('|')})`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A module must not import itself back through others (see README, "How it works": the layers).',
      from: {},
      to: { circular: true },
    },
    ...layers.slice(1).map((layer, i) => ({
      name: `no-upward-from-${layer[0]}`,
      severity: 'error',
      comment: `${layer.join(', ')} must not import a layer above it (${layers.slice(0, i + 1).flat().join(', ')}).`,
      from: { path: folders(layer) },
      to: { path: folders(layers.slice(0, i + 1).flat()) },
    })),
    {
      name: 'broker-session-holds-nothing',
      severity: 'error',
      comment:
        'The broker session, the paper venue and prices from a series in memory (no candle store: it opens files) serve calls in whatever process holds them, and are meant to serve a backtest child too: no database driver, ccxt code, S3 client or secrets (their types are fine).',
      from: { path: '^src/broker/(broker-session|paper-session|series-market-data)\\.ts$' },
      to: { path: ['node_modules/(ccxt|better-sqlite3|kysely|pg|@aws-sdk)/', '^src/(secrets|db|store)/', '^src/market-data/candle-store\\.ts$'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
