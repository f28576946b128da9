// The child's end of the channel (src/runtime/pending-calls.ts), shared by a run's child and a backtest's: over a real
// socket pair, as the child has it on fd 3.
import { createServer, Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { InsufficientFunds } from '../../src/sdk/errors.js';
import { pendingCalls } from '../../src/runtime/pending-calls.js';
import { installSimClock } from '../../src/runtime/sim-clock.js';

const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

async function socketPair(): Promise<[Socket, Socket]> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const accepted = once(server, 'connection');
  const child = new Socket().connect(port, '127.0.0.1');
  const [parent] = (await accepted) as [Socket];
  closers.push(() => (child.destroy(), parent.destroy(), server.close()));
  return [parent, child];
}

function lines(socket: Socket): string[] {
  const seen: string[] = [];
  socket.on('data', (chunk: Buffer) => seen.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  return seen;
}

describe('pendingCalls', () => {
  it('skips garbage from the parent and still settles the replies that follow', async () => {
    const [parent, child] = await socketPair();
    const received: { type: string }[] = [];
    const link = pendingCalls(child, new AbortController().signal, (m) => received.push(m));
    const sent = lines(parent);
    const call = link.call('fetchBalance', []);
    await expect.poll(() => sent.length).toBe(1);
    expect(JSON.parse(sent[0]!)).toEqual({ type: 'exchange-call', id: 1, method: 'fetchBalance', args: [] });
    parent.write('not json\n{"half":\n42\nnull\n"text"\n{"no":"type"}\n');
    parent.write(`${JSON.stringify({ type: 'exchange-reply', id: 99, ok: true, value: 'not ours' })}\n`);
    parent.write(`${JSON.stringify({ type: 'abort', reason: 'x' })}\n`);
    parent.write(`${JSON.stringify({ type: 'exchange-reply', id: 1, ok: true, value: { USDT: 1 } })}\n`);
    await expect(call).resolves.toEqual({ USDT: 1 });
    expect(received).toEqual([{ type: 'abort', reason: 'x' }]);
  });

  it('rejects with the SDK error class the parent named, and adds the extra fields of a backtest call', async () => {
    const [parent, child] = await socketPair();
    const link = pendingCalls(child, new AbortController().signal, () => {});
    const sent = lines(parent);
    const call = link.call('createOrder', ['BTC/USDT'], { slot: 7, at: 1000 });
    await expect.poll(() => sent.length).toBe(1);
    expect(JSON.parse(sent[0]!)).toEqual({ type: 'exchange-call', id: 1, slot: 7, at: 1000, method: 'createOrder', args: ['BTC/USDT'] });
    parent.write(`${JSON.stringify({ type: 'exchange-reply', id: 1, ok: false, error: { name: 'InsufficientFunds', message: 'no' } })}\n`);
    await expect(call).rejects.toBeInstanceOf(InsufficientFunds);
  });

  it('rejects a call whose arguments JSON cannot hold without counting it as waiting', async () => {
    const [, child] = await socketPair();
    const RealDate = Date;
    const timers = { setTimeout: globalThis.setTimeout, setInterval: globalThis.setInterval, clearTimeout: globalThis.clearTimeout, clearInterval: globalThis.clearInterval };
    const clock = installSimClock(0);
    try {
      const link = pendingCalls(child, new AbortController().signal, () => {});
      link.useClock(clock);
      await expect(link.call('createOrder', [10n])).rejects.toThrow(/BigInt/);
      // Nothing waits: a simulated timer fires at once.
      const fired = new Promise<number>((resolve) => setTimeout(() => resolve(Date.now()), 60_000));
      await expect(fired).resolves.toBe(60_000);
    } finally {
      globalThis.Date = RealDate;
      Object.assign(globalThis, timers);
    }
  });

  it('refuses calls once aborted', async () => {
    const [, child] = await socketPair();
    const abort = new AbortController();
    const link = pendingCalls(child, abort.signal, () => {});
    abort.abort(new Error('stopped'));
    await expect(link.call('fetchBalance', [])).rejects.toThrow('stopped');
  });
});
