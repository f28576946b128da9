// Runs inside the child process: bundled together with one bot, or held by the runtime snapshot and called by the
// bot's module (src/runtime/snapshot-main.ts). Two entry modes:
//   --botctl-child     execute the bot once, driven by the parent over the channel on fd 3
//   --botctl-describe  print the bot's name, description and config schema; validate a config read from stdin
// It imports nothing but the bot and zod's own helpers through the bot's schema: no ccxt, no database, no keys.

import type { Duplex } from 'node:stream';
import { isDefinedBot, type DefinedBot } from '../sdk/define-bot.js';
import type { ChildMessage, ParentMessage, StartMessage } from './protocol.js';
import { configIssues } from './config-issues.js';
import { channelFd } from './message-channel.js';
import { pendingCalls } from './pending-calls.js';
import { botContext, botError, trimTrailingUndefined } from './bot-context.js';
import { runBacktest } from './backtest-loop.js';
import { backtestArg } from './protocol.js';
import { installSimClock } from './sim-clock.js';
import { handedOver } from './fresh-bot.js';
import type { LocalExchangeFactory } from './local-exchange.js';

/** `localExchange`: the backtest engine a backtest's bot module is built with (src/backtest/child-exchange.ts). */
export function runChild(bot: unknown, localExchange?: LocalExchangeFactory): void {
  // A sweep's child evaluating the bot's module again for its next config (fresh-bot.ts): only the bot is wanted.
  if (handedOver(bot)) return;
  if (!isDefinedBot(bot)) {
    process.stderr.write("The bot file must `export default defineBot({...})` from 'botctl/sdk'.\n");
    process.exitCode = 3;
    return;
  }
  if (process.argv.includes('--botctl-describe')) void describe(bot);
  else if (process.argv.includes('--botctl-child')) execute(bot, parentChannel(), endThisProcess);
  else if (process.argv.includes(backtestArg)) {
    if (localExchange) runBacktest(bot, parentChannel(), localExchange, endThisProcess);
    else {
      process.stderr.write('This bot module was built without the backtest engine: a backtest child needs it.\n');
      process.exitCode = 3;
    }
  }
}

// Once its last message has left, the child ends at once: nothing the bot left behind (a timer, an exit handler)
// runs after its result, and a child whose parent is stalled does not linger. A bot that replaced process.kill only
// waits for the parent, which ends it as it reads the result (daemon/supervise.ts, backtest/child-driver.ts).
function endThisProcess(): void {
  process.kill(process.pid, 'SIGKILL');
}

// The parent's end is a socketpair: one duplex stream. The permission model does not restrict net, and this
// wraps an inherited descriptor rather than opening anything. Loaded here rather than imported, so a bundle
// that is only described does not load node:net at all.
function parentChannel(): Duplex {
  const { Socket } = process.getBuiltinModule('node:net');
  return new Socket({ fd: channelFd, readable: true, writable: true });
}

// A config is parsed once per child: zod's compiled fast path for objects (a `new Function` built on an object
// schema's first parse) costs more than it saves for a single parse. Same result either way.
const parseOnce = { jitless: true };

export interface BotDescription {
  name: string;
  description: string;
  /** JSON Schema of the config, from zod. */
  configSchema: unknown;
  /** Present when a config was given on stdin. */
  validation?: { ok: true; config: unknown } | { ok: false; issues: string[] };
}

async function describe(bot: DefinedBot): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const description: BotDescription = { name: bot.name, description: bot.description, configSchema: jsonSchema(bot) };
  if (input.trim()) {
    const config: unknown = JSON.parse(input);
    const parsed = bot.config.safeParse(config, parseOnce);
    description.validation = parsed.success
      ? { ok: true, config: parsed.data }
      : { ok: false, issues: configIssues(parsed.error.issues, config) };
  }
  process.stdout.write(JSON.stringify(description));
}

function jsonSchema(bot: DefinedBot): unknown {
  const schema = bot.config as unknown as { toJSONSchema?: () => unknown };
  try {
    // zod 4 schemas carry their JSON Schema; anything else is described as opaque.
    return typeof schema.toJSONSchema === 'function' ? schema.toJSONSchema() : {};
  } catch {
    return {};
  }
}

/** Serves one execution of `bot` over `channel`: the start message in, calls, logs and the result out. */
export function execute(bot: DefinedBot, channel: Duplex, ended?: () => void): void {
  blockingOutput();
  const abort = new AbortController();
  const link = pendingCalls(
    channel,
    abort.signal,
    (message) => {
      const m = message as ParentMessage;
      if (m.type === 'start') void run(bot, m);
      else if (m.type === 'abort') abort.abort(new Error(m.reason));
    },
    ended,
  );
  const call = (method: string, args: unknown[]) => link.call(method, trimTrailingUndefined(args));

  async function run(bot: DefinedBot, start: StartMessage): Promise<void> {
    const parsed = bot.config.safeParse(start.config ?? {}, parseOnce);
    if (!parsed.success) {
      const message = `config is invalid:\n${configIssues(parsed.error.issues, start.config).join('\n')}`;
      return link.finish({ type: 'result', ok: false, kind: 'config', error: { name: 'ConfigError', message } });
    }
    const state = new Map(Object.entries(start.state));
    if (typeof start.clock === 'number') link.useClock(installSimClock(start.clock));
    const ctx = botContext(start, parsed.data, state, call, (m: ChildMessage) => link.send(m), abort.signal);
    try {
      await bot.execute(ctx);
      link.finish({ type: 'result', ok: true, state: Object.fromEntries(state) });
    } catch (error) {
      link.finish({ type: 'result', ok: false, kind: 'error', error: botError(error) });
    }
  }
}

// A bot's writes to stdout and stderr (pipes to botd) block until botd has read them, as a file's would, rather
// than queue in the child: a bot printing 100 MB in a loop held it all in memory, and on Node 24 the copy for
// writev then failed under the address-space cap (a native abort in StreamBase::Writev). botd always reads.
function blockingOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    (stream as unknown as { _handle?: { setBlocking?(on: boolean): number } })._handle?.setBlocking?.(true);
  }
}
