// Runs the child runtime through executions while the runtime snapshot is built (src/runtime/snapshot-main.ts),
// over in-memory channels instead of fd 3, so that the snapshot holds its functions, and zod's for a config,
// already compiled: a child started from it goes straight to its bot. Trusted code only: a bot defined here.
// What it leaves behind is garbage; no handle, timer or listener outlives it.
import { Duplex } from 'node:stream';
import { z } from 'zod';
import { defineBot } from '../sdk/define-bot.js';
import { execute } from './child.js';
import { encodeMessage, LineDecoder } from './message-channel.js';
import type { ChildMessage, StartMessage } from './protocol.js';

const warmUpBot = defineBot({
  name: 'warm-up',
  description: 'exercises the child runtime while the snapshot is built',
  config: z.object({
    symbol: z.string().min(1).default('BTC/USDT'),
    period: z.number().int().positive().max(500).default(14),
    ratio: z.number().min(0).max(1).optional(),
    side: z.enum(['long', 'short']).default('long'),
    enabled: z.boolean().default(true),
    levels: z.array(z.number()).default([]),
  }),
  async execute(ctx) {
    ctx.log.info('warming up', { period: ctx.config.period });
    await ctx.state.set('runs', ((await ctx.state.get('runs')) as number | undefined) ?? 0);
    await ctx.exchange.fetchTicker(ctx.pair);
    await ctx.exchange.fetchBalance().catch(() => undefined);
    await ctx.signal({ action: 'hold', reason: 'warm-up' });
  },
});

const noConfigBot = defineBot({ name: 'warm-up-empty', description: '', config: z.object({}), async execute() {} });

/** Starts the warm-up executions; the snapshot builder runs the event loop until they are done. */
export function warmUpRuntime(): void {
  serve(warmUpBot, { period: 20, ratio: 0.5, side: 'short', levels: [1, 2] });
  serve(warmUpBot, { period: 'x', side: 'up', levels: ['a'] });
  serve(noConfigBot, {});
}

// Plays botd's part: sends the start message, answers exchange calls (one with an error), reads to the result.
function serve(bot: Parameters<typeof execute>[0], config: unknown): void {
  const decoder = new LineDecoder();
  const channel: Duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      for (const line of decoder.push(chunk)) reply(JSON.parse(line) as ChildMessage);
      done();
    },
  });
  const reply = (message: ChildMessage) => {
    if (message.type !== 'exchange-call') return;
    const answer = message.method === 'fetchTicker'
      ? { type: 'exchange-reply', id: message.id, ok: true, value: { symbol: 'BTC/USDT', last: 1 } }
      : { type: 'exchange-reply', id: message.id, ok: false, error: { name: 'InsufficientFunds', message: 'warm-up' } };
    channel.push(encodeMessage(answer));
  };
  execute(bot, channel);
  const start: StartMessage = {
    type: 'start',
    runId: 0,
    subscriptionId: 0,
    scheduledFor: new Date(0).toISOString(),
    pair: 'BTC/USDT',
    mode: 'paper',
    exchangeId: 'binanceusdm',
    config,
    state: { runs: 1 },
  };
  channel.push(encodeMessage(start));
}
