import { join } from 'node:path';

// Uploaded sources, cached by their sha256: `<home>/cache/sources/<sha256>.ts`. A file here is trusted only
// after its bytes hash to its name again, so a damaged cache entry is fetched anew rather than run.
export function sourceCachePath(home: string, digest: string): string {
  if (!/^[0-9a-f]{64}$/.test(digest)) throw new Error(`not a sha256 digest: ${JSON.stringify(digest)}`);
  return join(home, 'cache', 'sources', `${digest}.ts`);
}
