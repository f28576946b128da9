import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A fresh, real home folder per test suite; removed afterwards.
export function temporaryHome(): { home: string; remove(): void } {
  const home = mkdtempSync(join(tmpdir(), 'botctl-test-'));
  return { home, remove: () => rmSync(home, { recursive: true, force: true }) };
}
