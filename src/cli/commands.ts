// Every botctl command, declared once, in the order `botctl --help` lists them: its description, arguments and
// options as commander reads them. Each handler in commands/ takes its options' type from here (OptionsOf), and
// main.ts pairs each declaration with its lazily loaded handler. Only data: loading this loads no handler.
import { defineCommand, type ArgumentsOf, type OptionsOf } from '../command-declaration.js';

// The arguments several commands take, described once.
const botArgument = { name: '<bot>', description: 'bot id, name or developer/name' } as const;
const subscriptionArgument = { name: '<sub>', description: 'subscription id or name' } as const;
const channelArgument = { name: '<name>', description: 'channel name' } as const;

export const commands = {
  templates: defineCommand({
    description: 'list the template bots in bot_files/ with their config fields',
  }),
  create: defineCommand({
    description: 'create a template bot: one row pointing at the shared template file, nothing copied',
    options: [
      { flags: '--template <name>', description: 'template name, see `botctl templates`', required: true },
      { flags: '--name <name>', description: 'bot name, unique per developer', required: true },
      { flags: '--developer <id>', description: 'developer id', default: 'default' },
      { flags: '--exchange <id>', description: 'ccxt exchange id', default: 'binanceusdm' },
      { flags: '--description <text>', description: 'description' },
    ],
  }),
  bots: defineCommand({
    description: 'list bots with their code path and subscription count',
  }),
  show: defineCommand({
    description: "inspect one bot: its code, config fields and subscriptions",
    arguments: [
      botArgument,
    ],
  }),
  delete: defineCommand({
    description: "remove a bot, and a custom bot's stored objects (refuses while it has subscriptions unless --force)",
    arguments: [
      botArgument,
    ],
    options: [
      { flags: '--force', description: "also remove the bot's subscriptions and their run history" },
    ],
  }),
  subscribe: defineCommand({
    description: 'create a subscription: run a bot on a pair, on a cron schedule, with its own config',
    arguments: [
      botArgument,
    ],
    options: [
      { flags: '--pair <symbol>', description: 'ccxt unified symbol, e.g. BTC/USDT or BTC/USDT:USDT', required: true },
      { flags: '--schedule <cron>', description: 'five-field cron expression, e.g. "*/15 * * * *"', required: true },
      { flags: '--config <json|@file>', description: "the bot's config, validated by its schema (defaults fill the rest)" },
      { flags: '--risk <json|@file>', description: 'risk limits: max_leverage, max_orders_per_run, max_position_size_pct, max_order_notional' },
      { flags: '--mode <mode>', description: 'paper, testnet or live', default: 'paper' },
      { flags: '--key <name>', description: 'API key for testnet and live, see `botctl keys`' },
      { flags: '--user <id>', description: 'user the subscription belongs to', default: 'default' },
      { flags: '--timezone <tz>', description: 'IANA time zone the schedule is read in', default: 'UTC' },
      { flags: '--name <name>', description: 'subscription name (default: <bot>.<BASE>-<QUOTE>[-<SETTLE>], e.g. btc-trend.BTC-USDT-USDT; commands also accept it as <bot>.<pair>)' },
      { flags: '--version <n>', description: 'custom bots: pin to this uploaded version (default: follow the newest)' },
    ],
  }),
  subscriptions: defineCommand({
    description: 'list subscriptions with their last run status',
    options: [
      { flags: '--bot <bot>', description: "only this bot's subscriptions" },
    ],
  }),
  pause: defineCommand({
    description: 'stop scheduling a subscription (runs under way finish)',
    arguments: [
      subscriptionArgument,
    ],
    options: [
      { flags: '--reason <text>', description: 'why, shown in `botctl subscriptions`' },
    ],
  }),
  resume: defineCommand({
    description: 'schedule a paused subscription again',
    arguments: [
      subscriptionArgument,
    ],
  }),
  unsubscribe: defineCommand({
    description: 'remove a subscription with its run history',
    arguments: [
      subscriptionArgument,
    ],
  }),
  keys: defineCommand({
    description: 'list stored exchange API keys (never their secrets)',
  }),
  'keys add': defineCommand({
    description: 'store an API key and secret read from stdin (prompted without echo on a terminal), encrypted',
    arguments: [
      { name: '<name>', description: 'key name, used by `botctl subscribe --key`' },
    ],
    options: [
      { flags: '--exchange <id>', description: 'ccxt exchange id, e.g. binanceusdm', required: true },
    ],
  }),
  'keys rm': defineCommand({
    description: 'remove a stored API key (refuses while subscriptions use it)',
    arguments: [
      { name: '<name>', description: 'key name' },
    ],
  }),
  notify: defineCommand({
    description: 'list notification channels (Telegram chats, webhooks) botd tells about fills, refusals, failures, pauses',
  }),
  'notify add': defineCommand({
    description: 'add a channel: --webhook URL (signing secret on stdin) or --telegram (bot token and chat id on stdin), stored encrypted',
    arguments: [
      channelArgument,
    ],
    options: [
      { flags: '--webhook <url>', description: 'POST signed JSON to this http(s) URL (- : read it from stdin, before the secret)' },
      { flags: '--telegram', description: 'send to a Telegram chat through the Bot API' },
      { flags: '--on <kinds>', description: 'only these events: fill,reject,failure,paused,daemon,backlog (default: all)' },
    ],
  }),
  'notify rm': defineCommand({
    description: 'remove a channel',
    arguments: [
      channelArgument,
    ],
  }),
  'notify test': defineCommand({
    description: 'send a test message now and show what the receiver answered (exit 1 unless delivered)',
    arguments: [
      channelArgument,
    ],
  }),
  'notify mute': defineCommand({
    description: "stop telling a channel about one subscription",
    arguments: [
      channelArgument,
      subscriptionArgument,
    ],
  }),
  'notify unmute': defineCommand({
    description: 'tell a channel about a muted subscription again',
    arguments: [
      channelArgument,
      subscriptionArgument,
    ],
  }),
  usage: defineCommand({
    description: 'which code file serves how many bots and subscriptions, and the bytes sharing saves',
  }),
  nodes: defineCommand({
    description: 'the botd nodes sharing this database: lease age, runs going, share of the last ten minutes\' slots',
    options: [{ flags: '--all', description: 'also nodes stopped more than a day ago' }],
  }),
  upload: defineCommand({
    description: 'custom bot: validate a .ts file, bundle it and store it as a new version in the object store',
    arguments: [
      { name: '<file>', description: 'the bot file (.ts, at most 1 MiB, `export default defineBot({...})`)' },
    ],
    options: [
      { flags: '--name <name>', description: 'a new bot with this name (default: the file name)' },
      { flags: '--bot <bot>', description: 'add a version to this custom bot (id, name or developer/name)' },
      { flags: '--developer <id>', description: 'developer id (default: default)' },
      { flags: '--exchange <id>', description: 'ccxt exchange id for a new bot (default: binanceusdm)' },
      { flags: '--description <text>', description: "description for a new bot (default: the bot's own)" },
    ],
  }),
  versions: defineCommand({
    description: "list a custom bot's uploaded versions and which subscriptions run each",
    arguments: [
      botArgument,
    ],
  }),
  pin: defineCommand({
    description: 'run a subscription on one version of its custom bot (rollback), or `latest` to follow uploads',
    arguments: [
      subscriptionArgument,
      { name: '<version>', description: 'a version number from `botctl versions`, or latest' },
    ],
  }),
  doctor: defineCommand({
    description: 'compare the object store with the database: orphaned, missing and damaged objects',
    options: [
      { flags: '--verify', description: 'also download every object and check its sha256' },
      { flags: '--fix', description: 'remove orphaned objects older than an hour (younger ones may be an upload in flight)' },
    ],
  }),
  backup: defineCommand({
    description: 'write a consistent copy of the database to FILE (safe while botd runs)',
    arguments: [
      { name: '<file>', description: 'the backup file to create' },
    ],
  }),
  restore: defineCommand({
    description: 'replace the database with a backup made by `botctl backup` (refused while botd runs)',
    arguments: [
      { name: '<file>', description: 'the backup file' },
    ],
  }),
  db: defineCommand({
    description: 'the database itself: move a home to PostgreSQL',
    group: true,
  }),
  'db copy': defineCommand({
    description: "copy this home's SQLite data into an empty PostgreSQL database (ids kept, one transaction)",
    options: [
      { flags: '--to <url>', description: '`-`: read the postgres:// URL from stdin (default: BOTCTL_DATABASE_URL); a URL here must not carry a password' },
    ],
  }),
  run: defineCommand({
    description: 'execute a subscription once now, in the foreground, through the runner botd uses (exit 1 unless it succeeded)',
    arguments: [
      subscriptionArgument,
    ],
  }),
  runs: defineCommand({
    description: 'execution history, newest first',
    options: [
      { flags: '--subscription <sub>', description: "only this subscription's runs (id or name)" },
      { flags: '--limit <n>', description: 'how many runs', default: '20' },
    ],
  }),
  orders: defineCommand({
    description: 'orders the runs placed (paper, testnet and live), newest first; rejected ones included',
    options: [
      { flags: '--subscription <sub>', description: "only this subscription's orders (id or name)" },
      { flags: '--run <run>', description: "only this run's orders" },
      { flags: '--limit <n>', description: 'how many orders', default: '20' },
    ],
  }),
  signals: defineCommand({
    description: 'trading signals the bots recorded (ctx.signal), newest first',
    options: [
      { flags: '--subscription <sub>', description: "only this subscription's signals (id or name)" },
      { flags: '--limit <n>', description: 'how many signals', default: '20' },
    ],
  }),
  logs: defineCommand({
    description: "one run's outcome and the tail of its output",
    arguments: [
      { name: '<run>', description: 'run id, see `botctl runs`' },
    ],
  }),
  data: defineCommand({
    description: 'the candle store in the home: fetch, import and list market data',
    group: true,
  }),
  'data fetch': defineCommand({
    description: "download candles through the exchange's public API (paginated, rate-limited, resumable)",
    options: [
      { flags: '--exchange <id>', description: 'ccxt exchange id, e.g. binance or binanceusdm', required: true },
      { flags: '--pair <symbol>', description: 'ccxt unified symbol, e.g. BTC/USDT', required: true },
      { flags: '--timeframe <tf>', description: 'candle timeframe, e.g. 1m, 15m, 1h', required: true },
      { flags: '--since <date>', description: 'first candle, e.g. 2024-01-01 (UTC)', required: true },
      { flags: '--until <date>', description: 'end of the period (exclusive; default now)' },
    ],
  }),
  'data list': defineCommand({
    description: 'stored series: pair, timeframe, first and last candle, count and gaps',
  }),
  'data import': defineCommand({
    description: 'load recorded-candle JSON or a CSV (time,open,high,low,close,volume) into the store',
    arguments: [
      { name: '<file>', description: 'the file' },
    ],
    options: [
      { flags: '--exchange <id>', description: 'for a CSV: the exchange it is from' },
      { flags: '--pair <symbol>', description: 'for a CSV: the pair, e.g. BTC/USDT' },
      { flags: '--timeframe <tf>', description: 'for a CSV: the timeframe (default: read from the times)' },
      { flags: '--since <date>', description: "for JSON rows without times: the first candle's open time" },
    ],
  }),
  backtest: defineCommand({
    description: "replay a bot over a period on stored candles: its own code in one sandboxed child, through the risk guard and paper fills; `backtest show ID` prints a stored one",
    arguments: [
      { name: '<bot>', description: 'bot id, name or developer/name (or `show`)' },
      { name: '[id]', description: 'with `show`: the backtest id' },
    ],
    options: [
      { flags: '--pair <symbol>', description: 'ccxt unified symbol, e.g. BTC/USDT' },
      { flags: '--from <date>', description: 'start of the period, e.g. 2021-02-19 (UTC)' },
      { flags: '--to <date>', description: 'end of the period (exclusive)' },
      { flags: '--every <tf>', description: "a slot at every TF boundary (default: the config's timeframe, else the candles')" },
      { flags: '--schedule <cron>', description: 'slots from a cron schedule, as a subscription fires' },
      { flags: '--config <json|@file>', description: "the bot's config, validated by its schema" },
      { flags: '--risk <json|@file>', description: 'risk limits, as for subscribe' },
      { flags: '--balance <amount>', description: 'starting balance, e.g. 10000USDT' },
      { flags: '--fee <pct>', description: 'fee per fill in percent of notional, e.g. 0.1 (default: the market taker fee)' },
      { flags: '--slippage <pct>', description: 'slippage of market and triggered fills in percent, e.g. 0.05 (default 0.05)' },
      { flags: '--version <n>', description: 'custom bots: the uploaded version (default: the newest)' },
      { flags: '--fail-fast', description: 'stop at the first slot whose execution throws' },
      { flags: '--sweep <spec>', description: "grid of config values, e.g. 'fast=5..15:2,slow=20..60:10', run across all cores" },
      { flags: '--holdout <pct>', description: 'with --sweep: the last part of the period kept out of sample (default 30%)' },
      { flags: '--metric <name>', description: 'with --sweep: rank by sharpe, sortino, return, profit_factor, win_rate or drawdown (default sharpe)' },
    ],
  }),
  backtests: defineCommand({
    description: 'stored backtests, to compare configs side by side',
  }),
};

type Commands = typeof commands;
/** What `botctl <name>`'s handler receives as options: `options: Options<'subscribe'>`. */
export type Options<Name extends keyof Commands> = OptionsOf<Commands[Name]>;
/** What `botctl <name>`'s handler receives as arguments: `[bot]: Arguments<'show'>`. */
export type Arguments<Name extends keyof Commands> = ArgumentsOf<Commands[Name]>;
