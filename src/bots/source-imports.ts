// An uploaded bot's imports, read from its source as written. esbuild drops an import the code never uses
// (`import { readFileSync } from 'node:fs'` alone vanishes from the bundle), so the bundler's allow-list
// never sees it, yet the stored source keeps it: refuse it here, before bundling, whether used or not.
import { invalid } from '../errors.js';
import { allowedImports } from './bundle.js';

export async function checkSourceImports(source: string, displayName: string): Promise<void> {
  // TypeScript's own pre-processor: every import, export … from, import() and require() specifier with its
  // position, without type-checking. Loaded only by `upload`.
  const loaded = await import('typescript');
  // CommonJS package: Node gives it as the default export, the type declarations as the namespace.
  const ts = (loaded as unknown as { default?: typeof loaded }).default ?? loaded;
  const { importedFiles } = ts.preProcessFile(source, true, true);
  const refused = importedFiles.filter((file) => !allowedImports.includes(file.fileName));
  if (refused.length === 0) return;
  const lines = refused.map((file) => {
    const line = source.slice(0, file.pos).split('\n').length;
    const column = file.pos - (source.lastIndexOf('\n', file.pos - 1) + 1) + 1;
    return `  ${displayName}:${line}:${column}: imports ${JSON.stringify(file.fileName)}, which a bot may not import (used or not); allowed: ${allowedImports.join(', ')}`;
  });
  throw invalid(`${displayName} does not bundle:\n${lines.join('\n')}`);
}
