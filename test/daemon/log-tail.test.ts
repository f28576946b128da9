import { describe, expect, it } from 'vitest';
import { LogTail } from '../../src/daemon/log-tail.js';

describe('log tail', () => {
  it('keeps everything while under its limit, in arrival order, lines never glued to partial output', () => {
    const tail = new LogTail(1024);
    tail.write('partial');
    tail.line('INFO from ctx.log');
    tail.write(Buffer.from('more\n'));
    expect(tail.text()).toBe('partial\nINFO from ctx.log\nmore\n');
    expect(tail.droppedBytes).toBe(0);
  });

  it('keeps only the last bytes, from a line boundary, and says how much was dropped', () => {
    const tail = new LogTail(100);
    for (let i = 0; i < 1000; i++) tail.write(`line ${i}\n`);
    const text = tail.text();
    expect(text).toMatch(/^\[… \d+ earlier bytes dropped …\]\nline \d+\n/);
    expect(text.endsWith('line 999\n')).toBe(true);
    expect(Buffer.byteLength(text.split('\n').slice(1).join('\n'))).toBeLessThanOrEqual(100);
  });

  it('copes with one chunk larger than the limit', () => {
    const tail = new LogTail(10);
    tail.write('x'.repeat(1000));
    tail.write('\nend\n');
    expect(tail.droppedBytes).toBeGreaterThan(990);
    expect(tail.text().endsWith('\nend\n')).toBe(true);
  });
});
