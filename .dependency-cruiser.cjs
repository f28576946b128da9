// `npm run check:imports` (run by `npm test` and .ci/run): the import graph of src/ has no cycle. Type-only
// and lazy (`await import`) imports count too: a cycle through them still means two modules that each
// need the other, which is how the broker once ended up above the daemon that uses it.
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
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
