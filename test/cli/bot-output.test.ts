// What botctl prints of a bot's own output, through real runs of uploaded bots: a failure's error once, with the
// stack in the author's file and lines (not the cached bundle's, not the host's frames), in `run` and `logs`
// alike; and escape sequences a hostile bot writes shown as text, never passed to the terminal.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botctl } from '../support/cli.js';
import { temporaryHome } from '../support/home.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/custom/${name}`, import.meta.url));
const { home, remove } = temporaryHome();
afterAll(remove);
const env = { BOTCTL_MARKET_DATA: 'recorded' };

async function subscribeUploaded(file: string, name: string): Promise<void> {
  expect((await botctl(home, ['upload', fixture(file), '--name', name])).exitCode).toBe(0);
  const subscribed = await botctl(home, ['subscribe', name, '--pair', 'BTC/USDT', '--schedule', '0 0 1 1 *', '--name', name]);
  expect(subscribed.exitCode, subscribed.stderr).toBe(0);
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe('a failed run points at the bot author’s code', () => {
  beforeAll(() => subscribeUploaded('fails_at_line.ts', 'liner'), 120_000);

  it('botctl run shows the error once, with frames in the uploaded file and no host frames', async () => {
    for (let attempt = 1; attempt <= 2; attempt++) {
      const r = await botctl(home, ['run', 'liner'], { env });
      expect(r.exitCode).toBe(1);
      expect(count(r.stdout, 'no edge on BTC/USDT'), r.stdout).toBe(1);
      expect(r.stdout).toMatch(/error +no edge on BTC\/USDT\n +at giveUp \(bots\/default\/\d+\/v1\/fails_at_line\.ts:16:9\)\n +at Object\.execute \(bots\/default\/\d+\/v1\/fails_at_line\.ts:11:5\)\n/);
      expect(r.stdout).not.toMatch(/cache\/bundles|\.mjs|\.cjs|node:internal|src\/runtime|child\.ts/);
      expect(r.stdout).toContain('INFO about to fail');
    }
  }, 180_000);

  it('botctl logs shows the same, and --json keeps the message and the mapped frames apart', async () => {
    const runs = (await botctl(home, ['runs', '--subscription', 'liner', '--json'])).json as { id: number }[];
    const id = runs[0]?.id;
    const text = await botctl(home, ['logs', String(id)]);
    expect(text.exitCode).toBe(0);
    expect(count(text.stdout, 'no edge on BTC/USDT')).toBe(1);
    expect(text.stdout).toMatch(/error: no edge on BTC\/USDT\n +at giveUp \(bots\/default\/\d+\/v1\/fails_at_line\.ts:16:9\)/);
    expect(text.stdout).not.toMatch(/cache\/bundles|node:internal/);
    const json = (await botctl(home, ['logs', String(id), '--json'])).json as { error: string; log_tail: string };
    expect(json.error).toBe('no edge on BTC/USDT');
    expect(json.log_tail).toMatch(/^INFO about to fail\n {4}at giveUp \(bots\/default\/\d+\/v1\/fails_at_line\.ts:16:9\)\n {4}at Object\.execute/);
  }, 180_000);
});

describe('escape sequences from a bot are shown, not interpreted', () => {
  beforeAll(() => subscribeUploaded('writes_escapes.ts', 'escaper'), 120_000);
  const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

  it('in botctl run, logs, runs and signals: OSC 52, CSI, C1, bidi and \\r are printed as their escapes', async () => {
    const ran = await botctl(home, ['run', 'escaper'], { env });
    expect(ran.exitCode).toBe(1);
    const runs = (await botctl(home, ['runs', '--subscription', 'escaper', '--json'])).json as { id: number }[];
    const logs = await botctl(home, ['logs', String(runs[0]?.id)]);
    const listed = await botctl(home, ['runs']);
    const signals = await botctl(home, ['signals']);
    for (const [command, out] of [['run', ran.stdout], ['logs', logs.stdout], ['runs', listed.stdout], ['signals', signals.stdout]] as const) {
      expect(out, command).not.toMatch(raw);
      expect(out, command).toContain('\\u001b]52;c;ZWNobyBwd25lZA==\\u0007');
    }
    for (const out of [ran.stdout, logs.stdout]) {
      expect(out).toContain('log \\u001b]52;c;ZWNobyBwd25lZA==\\u0007 and \\u001b[2J');
      expect(out).toContain('stdout \\u009b31m red \\u202e reversed \\u000d overwritten');
    }
    expect(signals.stdout).toContain('buy\\u001b[2J');
  }, 180_000);

  it('in --json the same text is JSON-escaped, byte for byte what the bot wrote', async () => {
    const runs = (await botctl(home, ['runs', '--subscription', 'escaper', '--json'])).json as { id: number; error: string }[];
    expect(runs[0]?.error).toBe('error \u001b]52;c;ZWNobyBwd25lZA==\u0007');
    const logs = await botctl(home, ['logs', String(runs[0]?.id), '--json']);
    expect(logs.stdout).not.toMatch(raw);
    const tail = (logs.json as { log_tail: string }).log_tail;
    expect(tail).toContain('log \u001b]52;c;ZWNobyBwd25lZA==\u0007 and \u001b[2J');
    // JSON.stringify leaves C1 and bidi controls raw; botctl escapes them too, and the parsed value is unchanged.
    expect(tail).toContain('stdout \u009b31m red \u202e reversed \r overwritten');
    const signals = (await botctl(home, ['signals', '--json'])).json as { action: string; reason: string }[];
    expect(signals[0]).toMatchObject({ action: 'buy\u001b[2J', reason: 'reason \u001b]52;c;ZWNobyBwd25lZA==\u0007' });
  }, 180_000);
});
