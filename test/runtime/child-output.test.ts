// The child reports its result only once its output has left it: botd gives a child that has reported a short
// grace to exit (src/daemon/supervise.ts), so output still queued in the child when it reports is lost on a
// loaded machine. Measured without any clock: how much of stdout botd has read when the result arrives.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleBot } from '../../src/bots/bundle.js';
import { encodeMessage, LineDecoder } from '../../src/runtime/message-channel.js';
import type { StartMessage } from '../../src/runtime/protocol.js';

const cache = mkdtempSync(join(tmpdir(), 'child-output-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

describe('the child runtime', () => {
  it('sends its result after everything the bot printed is in the pipe', async () => {
    const bundle = await bundleBot(fileURLToPath(new URL('../fixtures/bots/loud.ts', import.meta.url)), cache);
    const mb = 20;
    const child = spawn(process.execPath, [bundle.path, '--botctl-child'], { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
    const channel = child.stdio[3] as Socket;
    let read = 0;
    child.stdout?.on('data', (chunk: Buffer) => (read += chunk.length));
    const decoder = new LineDecoder();
    const readAtResult = new Promise<number>((resolve) => {
      channel.on('data', (chunk: Buffer) => {
        for (const line of decoder.push(chunk)) if ((JSON.parse(line) as { type: string }).type === 'result') resolve(read);
      });
    });
    const start: StartMessage = {
      type: 'start', runId: 1, subscriptionId: 1, scheduledFor: new Date().toISOString(), pair: 'BTC/USDT:USDT',
      mode: 'paper', exchangeId: 'binanceusdm', config: { mb }, state: {},
    };
    channel.write(encodeMessage(start));
    const atResult = await readAtResult;
    await new Promise((resolve) => child.once('close', resolve));
    const total = mb * 1024 * 1024 + 'the last line\n'.length;
    expect(read).toBe(total);
    // What was written but not yet read is at most what the socket buffers hold (a few hundred KiB), not the
    // megabytes a child that reports first leaves queued behind it.
    expect(total - atResult).toBeLessThan(4 * 1024 * 1024);
  });
});
