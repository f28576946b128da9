import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomically } from '../src/atomic-write.js';
import { temporaryHome } from './support/home.js';

describe('writeFileAtomically', () => {
  const { home: dir, remove } = temporaryHome();
  afterAll(remove);

  it('writes the whole file, private, creating its folder', () => {
    const path = join(dir, 'cache', 'a.txt');
    writeFileAtomically(path, 'first');
    writeFileAtomically(path, Buffer.from('second'));
    expect(readFileSync(path, 'utf8')).toBe('second');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'cache'))).toEqual(['a.txt']);
  });

  it('leaves no temporary file behind when the rename fails', () => {
    // A folder where the file should go: the rename is refused after the temporary file was written.
    const path = join(dir, 'taken');
    mkdirSync(join(path, 'inside'), { recursive: true });
    expect(() => writeFileAtomically(path, 'x')).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
