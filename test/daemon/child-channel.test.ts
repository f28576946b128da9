// The channel's limits and flow control on their own, no child spawned: botd's end of the channel is driven
// through an in-memory duplex stream standing in for the socketpair (what the child sends is pushed into it;
// what botd writes is collected, and held unread when a test needs replies to pile up).
// End to end, with a real hostile child: ipc-limits.test.ts.
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ExchangeSession } from '../../src/broker/session.js';
import {
  ChildChannel,
  maxCallsInFlight,
  maxChannelBytesPerRun,
  maxExchangeCallsPerRun,
  maxMessageBytes,
  maxMessagesPerRun,
  maxSignalsPerRun,
  maxUnreadReplyBytes,
} from '../../src/daemon/child-channel.js';
import { LogTail } from '../../src/daemon/log-tail.js';

interface Harness {
  channel: ChildChannel;
  tail: LogTail;
  /** What botd wrote to the child, parsed. */
  replies: Array<{ type: string; id?: number; ok?: boolean; value?: unknown; error?: { name: string; message: string } }>;
  /** Bytes from the child. */
  send(text: string): void;
  calls: string[];
  violations: number;
  results: number;
  socket: Duplex;
  /** While true, botd's writes stay unread (the child is not reading). */
  holdReads: boolean;
  releaseReads(): void;
}

function harness(serve: (method: string, args: unknown[]) => Promise<unknown> = async () => 'ok'): Harness {
  const held: Array<() => void> = [];
  const h = {} as Harness;
  let pending = '';
  h.replies = [];
  h.calls = [];
  h.violations = 0;
  h.results = 0;
  h.holdReads = false;
  h.socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) h.replies.push(JSON.parse(line) as Harness['replies'][number]);
      if (h.holdReads) held.push(() => callback());
      else callback();
    },
  });
  h.releaseReads = () => {
    h.holdReads = false;
    for (const release of held.splice(0)) release();
  };
  h.send = (text) => h.socket.push(Buffer.from(text));
  h.tail = new LogTail(64 * 1024);
  const session: ExchangeSession = {
    call: (method, args) => {
      h.calls.push(method);
      return serve(method, args);
    },
    orders: () => [],
  };
  h.channel = new ChildChannel(h.socket, {
    session,
    tail: h.tail,
    onResult: () => h.results++,
    onViolation: () => h.violations++,
  });
  return h;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const call = (id: number, method = 'fetchTicker') => `${JSON.stringify({ type: 'exchange-call', id, method, args: ['BTC/USDT'] })}\n`;

describe('child channel limits', () => {
  it(`stops a bot that sends one message over ${maxMessageBytes} bytes, before the line ends`, async () => {
    const h = harness();
    h.send(`{"type":"log","message":"${'x'.repeat(maxMessageBytes)}`);
    await settle();
    expect(h.channel.violation).toBe("the bot sent an IPC message over 1 MiB (botd's limit)");
    expect(h.violations).toBe(1);
    expect(h.socket.destroyed).toBe(true);
    expect(h.tail.text()).toContain("over 1 MiB (botd's limit): the bot was stopped");
  });

  it(`stops a bot that sends more than ${maxChannelBytesPerRun} bytes in a run, each message within the limit`, async () => {
    const h = harness();
    const line = `${'y'.repeat(maxMessageBytes - 1)}\n`;
    for (let i = 0; i <= maxChannelBytesPerRun / line.length && !h.channel.violation; i++) {
      h.send(line);
      await settle();
    }
    expect(h.channel.violation).toBe("the bot sent more than 64 MiB of IPC messages in one run (botd's limit)");
    expect(h.violations).toBe(1);
  });

  it(`stops a bot that sends more than ${maxMessagesPerRun} messages in a run`, async () => {
    const h = harness();
    h.send('{}\n'.repeat(maxMessagesPerRun));
    await settle();
    expect(h.channel.violation).toBeUndefined();
    h.send('{}\n');
    await settle();
    expect(h.channel.violation).toBe(`the bot sent more than ${maxMessagesPerRun} IPC messages in one run (botd's limit)`);
  });

  it(`serves at most ${maxCallsInFlight} exchange calls at once; the rest wait unread until one returns`, async () => {
    const answers: Array<(value: unknown) => void> = [];
    const h = harness(() => new Promise((resolve) => answers.push(resolve)));
    h.send(Array.from({ length: maxCallsInFlight + 4 }, (_, i) => call(i)).join(''));
    await settle();
    expect(h.calls).toHaveLength(maxCallsInFlight);
    answers[0]?.('first');
    await settle();
    expect(h.calls).toHaveLength(maxCallsInFlight + 1);
    expect(h.replies).toEqual([{ type: 'exchange-reply', id: 0, ok: true, value: 'first' }]);
  });

  it('handles what a child that has exited sent, whatever is in flight', async () => {
    const h = harness(() => new Promise(() => {}));
    h.send(Array.from({ length: maxCallsInFlight + 4 }, (_, i) => call(i)).join(''));
    await settle();
    expect(h.calls).toHaveLength(maxCallsInFlight);
    h.channel.childExited();
    expect(h.calls).toHaveLength(maxCallsInFlight + 4);
  });

  it(`refuses exchange calls past ${maxExchangeCallsPerRun} in a run, inside the bot`, async () => {
    const h = harness();
    for (let sent = 0; sent <= maxExchangeCallsPerRun; sent += 1000) {
      h.send(Array.from({ length: Math.min(1000, maxExchangeCallsPerRun + 1 - sent) }, (_, i) => call(sent + i)).join(''));
      while (h.replies.length < Math.min(sent + 1000, maxExchangeCallsPerRun + 1)) await settle();
    }
    expect(h.calls).toHaveLength(maxExchangeCallsPerRun);
    expect(h.replies.at(-1)).toEqual({
      type: 'exchange-reply',
      id: maxExchangeCallsPerRun,
      ok: false,
      error: { name: 'ExchangeError', message: `ctx.exchange.fetchTicker() refused: botd serves at most ${maxExchangeCallsPerRun} exchange calls per run` },
    });
    expect(h.channel.violation).toBeUndefined();
  });

  it(`serves nothing more while over ${maxUnreadReplyBytes} bytes of replies lie unread, and resumes when they drain`, async () => {
    const big = 'z'.repeat(1024 * 1024);
    const h = harness(async () => big);
    h.holdReads = true;
    const total = 3 * maxCallsInFlight;
    h.send(Array.from({ length: total }, (_, i) => call(i)).join(''));
    for (let i = 0; i < total; i++) await settle();
    // Calls are served until more than the limit of replies waits unread; then the rest of the queue waits.
    const served = h.calls.length;
    expect(served).toBeGreaterThan(maxUnreadReplyBytes / big.length);
    expect(served).toBeLessThan(total);
    h.releaseReads();
    for (let i = 0; i < 10 * total && h.calls.length < total; i++) await settle();
    expect(h.calls).toHaveLength(total);
  });

  it(`keeps ${maxSignalsPerRun} well-formed signals, notes the dropped rest, and ignores malformed ones`, async () => {
    const h = harness();
    const signal = (action: unknown) => `${JSON.stringify({ type: 'signal', signal: { action, symbol: 'BTC/USDT' } })}\n`;
    h.send(signal(42) + signal('x'.repeat(101)) + Array.from({ length: maxSignalsPerRun + 5 }, () => signal('buy')).join(''));
    await settle();
    expect(h.channel.signals).toHaveLength(maxSignalsPerRun);
    expect(h.tail.text().match(/a malformed signal was ignored/g)).toHaveLength(2);
    expect(h.channel.capNote()).toBe(`[botd] cap hit: 5 signals dropped (a run keeps at most ${maxSignalsPerRun} signals and 256 KiB of them)`);
  });

  it('keeps the first result, made safe, and writes nothing to a bot that has reported', async () => {
    const h = harness();
    h.send(`${JSON.stringify({ type: 'result', ok: true, state: [1] })}\nnot json\n${JSON.stringify({ type: 'result', ok: true, state: {} })}\n`);
    await settle();
    expect(h.results).toBe(2);
    expect(h.channel.result).toEqual({
      type: 'result',
      ok: false,
      kind: 'error',
      error: { name: 'ProtocolError', message: 'the bot reported a malformed result: its state is not an object' },
    });
    expect(h.tail.text()).toContain('[botd] a malformed IPC message was ignored');
    h.channel.send({ type: 'abort', reason: 'late' });
    expect(h.replies).toEqual([]);
  });
});
