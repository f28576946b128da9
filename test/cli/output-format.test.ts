// The pure parts of human output: fitting columns, rounding numbers, showing control characters, choosing colour
// and width, and botd's readable log line.
import { describe, expect, it } from 'vitest';
import { displayWidth, layOut, truncate, wrap } from '../../src/cli/output/layout.js';
import { formatNumber, stepDecimals } from '../../src/cli/output/numbers.js';
import { runErrorView } from '../../src/cli/output/run-error.js';
import { jsonLogger } from '../../src/daemon/log.js';
import { prettyLogger } from '../../src/daemon/pretty-log.js';
import { hasControlChars, visible, visibleJson } from '../../src/text/control-chars.js';
import { colourLevel, terminalWidth } from '../../src/text/terminal.js';

describe('columns', () => {
  it('wraps at spaces, then after / _ : within a long word, and cuts free text with …', () => {
    expect(wrap('a long error message here', 10)).toEqual(['a long', 'error', 'message', 'here']);
    expect(wrap('BTC/USDT:USDT', 10)).toEqual(['BTC/USDT:', 'USDT']);
    expect(wrap('take_profit_market', 12)).toEqual(['take_profit_', 'market']);
    expect(truncate('abcdefghij', 6)).toBe('abcde…');
    expect(displayWidth('日本')).toBe(4);
  });

  it('drops optional columns first, then shrinks flexible ones, to fit the width', () => {
    const rows = [['1', 'a-rather-long-subscription (1)', 'failed', 'x'.repeat(70), 'abcdef123456']];
    const specs = [{ head: 'run' }, { head: 'subscription', flexible: true }, { head: 'status' }, { head: 'error', flexible: true, truncate: true }, { head: 'code', optional: true }];
    const fitted = layOut(specs, rows, 80);
    expect(fitted.columns).toEqual([0, 1, 2, 3]);
    expect(fitted.widths.reduce((a, b) => a + b, 0) + 2 * (fitted.widths.length - 1)).toBeLessThanOrEqual(80);
    expect(fitted.rows[0]?.[3]?.[0]).toMatch(/…$/);
    const wide = layOut(specs, rows, 200);
    expect(wide.columns).toEqual([0, 1, 2, 3, 4]);
    expect(wide.rows[0]?.[3]).toEqual(['x'.repeat(70)]);
  });
});

describe('numbers', () => {
  it('rounds to the market step with its decimals, else to digits that suit the size', () => {
    expect(formatNumber(65193.590505, 0.01)).toBe('65193.59');
    expect(formatNumber(65065.63656, 0.1)).toBe('65065.6');
    expect(formatNumber(0.015, 0.001)).toBe('0.015');
    expect(formatNumber(3, 0.001)).toBe('3.000');
    expect(stepDecimals(1e-5)).toBe(5);
    expect(formatNumber(65193.590505)).toBe('65193.59');
    expect(formatNumber(2.123456789)).toBe('2.1235');
    expect(formatNumber(0.000123456789)).toBe('0.000123457');
    expect(formatNumber(null)).toBe('');
  });
});

describe('control characters', () => {
  it('are shown as escapes in one line; a multi-line text keeps its newlines and tabs only', () => {
    expect(visible('a\u001b]52;c;eA==\u0007b')).toBe('a\\u001b]52;c;eA==\\u0007b');
    expect(visible('x\ny')).toBe('x\\u000ay');
    expect(visible('x\n\ty\r\nz\rw\u009b1m\u202e', { multiline: true })).toBe('x\n\ty\nz\\u000dw\\u009b1m\\u202e');
    expect(hasControlChars('BTC/USDT')).toBe(false);
    expect(hasControlChars('a\u0085')).toBe(true);
    expect(hasControlChars('-----BEGIN\nKEY\r\n', { allowNewlines: true })).toBe(false);
    expect(hasControlChars('a\tb', { allowNewlines: true })).toBe(true);
  });

  it('in JSON text, the ones JSON.stringify leaves raw are escaped and the value is unchanged', () => {
    const value = { s: 'c1 \u009b bidi \u202e del \u007f esc \u001b' };
    const json = visibleJson(JSON.stringify(value));
    expect(json).not.toMatch(/[\u007f-\u009f\u202e\u001b]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('terminal', () => {
  it('colours a TTY unless NO_COLOR or FORCE_COLOR=0; FORCE_COLOR=1 colours a pipe', () => {
    expect(colourLevel({ isTTY: true }, {})).toBe(1);
    expect(colourLevel({ isTTY: true }, { NO_COLOR: '1' })).toBe(0);
    expect(colourLevel({ isTTY: true }, { NO_COLOR: '' })).toBe(1);
    expect(colourLevel({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(0);
    expect(colourLevel({ isTTY: false }, {})).toBe(0);
    expect(colourLevel({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(1);
    expect(colourLevel({ isTTY: false }, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(0);
  });

  it('is as wide as the TTY (80 when it does not say); a pipe is $COLUMNS wide, else unlimited', () => {
    expect(terminalWidth({ isTTY: true, columns: 132 }, {})).toBe(132);
    expect(terminalWidth({ isTTY: true }, {})).toBe(80);
    expect(terminalWidth({ isTTY: false }, { COLUMNS: '100' })).toBe(100);
    expect(terminalWidth({ isTTY: false }, {})).toBe(Number.POSITIVE_INFINITY);
    expect(terminalWidth({ isTTY: false }, { COLUMNS: 'wide' })).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('a failed run’s error', () => {
  it('takes the mapped frames from the end of the tail, once', () => {
    const view = runErrorView('no edge', 'INFO trying\n    at giveUp (bot.ts:16:9)\n    at execute (bot.ts:11:5)\n');
    expect(view).toEqual({ error: 'no edge\n  at giveUp (bot.ts:16:9)\n  at execute (bot.ts:11:5)', tail: 'INFO trying' });
    // A run recorded before frames were mapped: the stack's own header line is not shown a second time.
    expect(runErrorView('boom', 'out\nError: boom\n    at x (/c/b.mjs:1:2)').tail).toBe('out');
    expect(runErrorView(null, 'out\n')).toEqual({ error: null, tail: 'out' });
  });
});

describe("botd's log", () => {
  it('writes one readable line per event on a terminal, names and all, and leaves debug lines out unless asked', () => {
    const lines: string[] = [];
    const log = prettyLogger({ write: (l) => lines.push(l), colour: 0 });
    log.debug('run pre-warmed', { subscription_id: 1 });
    log.warn('run finished', { subscription_id: 3, subscription: 'liner', run_id: 13, status: 'failed', duration_ms: 120, error: 'no edge \u001b]52;c;eA==\u0007', code_sha256: null, scheduled_for: '2026-11-29T09:02:00.000Z' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d {2}WARN {3}run finished {2}liner \(3\) {2}run 13 {2}failed {2}120 ms {2}error: no edge \\u001b\]52;c;eA==\\u0007 {2}scheduled_for=2026-11-29T09:02:00\.000Z\n$/);
    const verbose: string[] = [];
    prettyLogger({ write: (l) => verbose.push(l), colour: 0, level: 'debug' }).debug('run pre-warmed', { subscription_id: 1 });
    expect(verbose[0]).toMatch(/DEBUG {2}run pre-warmed {2}subscription 1/);
    const json: string[] = [];
    const jsonLog = jsonLogger((l) => json.push(l));
    jsonLog.debug('hidden');
    jsonLog.info('shown', { subscription_id: 1 });
    expect(json.map((l) => JSON.parse(l) as { msg: string }).map((l) => l.msg)).toEqual(['shown']);
  });
});
