import { describe, expect, it } from 'vitest';
import { encodeMessage, LineDecoder } from '../../src/runtime/message-channel.js';

describe('message channel framing', () => {
  it('encodes one message as one line, whatever newlines its strings hold', () => {
    const line = encodeMessage({ type: 'log', message: 'two\nlines\r\nand\u2028more' });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({ type: 'log', message: 'two\nlines\r\nand\u2028more' });
  });

  it('reassembles lines split across chunks, including inside a UTF-8 sequence, and skips empty ones', () => {
    const bytes = Buffer.from(`${encodeMessage({ n: 1, s: 'é€😀' })}\n${encodeMessage({ n: 2 })}`);
    const decoder = new LineDecoder(1024);
    const lines: string[] = [];
    // One byte at a time: every boundary, the multi-byte characters' included.
    for (let i = 0; i < bytes.length; i++) lines.push(...decoder.push(bytes.subarray(i, i + 1)));
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([{ n: 1, s: 'é€😀' }, { n: 2 }]);
    expect(decoder.overflowed).toBe(false);
  });

  it('returns several lines from one chunk, keeping the unfinished rest', () => {
    const decoder = new LineDecoder(1024);
    expect(decoder.push(Buffer.from('a\nb\nc'))).toEqual(['a', 'b']);
    expect(decoder.push(Buffer.from('d\n'))).toEqual(['cd']);
  });

  it('accepts a line of exactly the limit and refuses one byte more, before its newline arrives', () => {
    const exact = new LineDecoder(8);
    expect(exact.push(Buffer.from('12345678\n'))).toEqual(['12345678']);
    expect(exact.overflowed).toBe(false);

    const over = new LineDecoder(8);
    expect(over.push(Buffer.from('12345'))).toEqual([]);
    expect(over.overflowed).toBe(false);
    // The line is not finished: the decoder knows it is too long already, and holds none of it.
    expect(over.push(Buffer.from('6789'))).toEqual([]);
    expect(over.overflowed).toBe(true);
    // Then nothing more comes out, even well-formed lines.
    expect(over.push(Buffer.from('\nok\n'))).toEqual([]);
  });

  it('delivers the lines before an oversized one in the same chunk', () => {
    const decoder = new LineDecoder(4);
    expect(decoder.push(Buffer.from('ab\ncdefgh\nij\n'))).toEqual(['ab']);
    expect(decoder.overflowed).toBe(true);
  });
});
