import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

// A fresh, real home folder per test suite; removed afterwards.
export function temporaryHome(): { home: string; remove(): void } {
  const home = mkdtempSync(join(tmpdir(), 'botctl-test-'));
  return { home, remove: () => rmSync(home, { recursive: true, force: true }) };
}

// For a suite that wants a fresh home in each test: returns a function that makes one; all go after the suite.
export function useTemporaryHomes(): () => string {
  const removers: (() => void)[] = [];
  afterAll(() => removers.forEach((remove) => remove()));
  return () => {
    const { home, remove } = temporaryHome();
    removers.push(remove);
    return home;
  };
}
