// botctl's entry point: parses argv, lazy-loads one command handler, prints its result, sets the exit code.
// Only this file calls process.exit; handlers return data and throw BotctlError.
import { Command, CommanderError, Option } from 'commander';
import { databaseError } from '../db/database-error.js';
import { BotctlError, errorText } from '../errors.js';
import { homePaths } from '../home.js';
import { createContext, type CommandContext } from './context.js';
import { printError, printJson } from './output.js';
import { packageVersion } from '../package-version.js';

export interface CommandModule {
  run(context: CommandContext, args: string[], options: Record<string, unknown>): Promise<unknown>;
  /** Human output; without it the result prints as JSON. */
  render?(result: unknown): string;
  /** Exit code for a result that was printed but is not a success (e.g. `botctl run` of a failing bot). */
  exitCode?(result: unknown): number;
}

let jsonRequested = process.argv.includes('--json');
let resultExitCode = 0;

function handle(load: () => Promise<CommandModule>) {
  return async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const args = params.slice(0, -2).flat() as string[];
    const options = command.optsWithGlobals<Record<string, unknown> & { home?: string; json?: boolean }>();
    jsonRequested = Boolean(options.json);
    const context = createContext(options);
    try {
      const module = await load();
      const result = await module.run(context, args, options);
      if (options.json || !module.render) printJson(result);
      else {
        const text = module.render(result);
        if (text) process.stdout.write(`${text}\n`);
      }
      resultExitCode = module.exitCode?.(result) ?? 0;
    } catch (error) {
      // SQLite's own message names neither the file nor what to do next.
      throw databaseError(error, homePaths(context.home).database);
    } finally {
      await context.close();
    }
  };
}

// Longer than 80 lines: one short registration per command, in the order `botctl --help` lists them.
export function buildProgram(): Command {
  const program = new Command('botctl')
    .description('Register trading bots and their subscriptions; botd runs them on schedule.')
    .addOption(new Option('--home <dir>', 'home folder (database, keys, caches)').env('BOTCTL_HOME'))
    .option('--json', 'machine-readable output on stdout')
    // Not a commander option: `subscribe --version N` is the subscription's; main() answers a leading --version.
    .addHelpText('after', '\n`botctl --version` (or -V) prints the version, {"version": …} with --json.')
    .showHelpAfterError('(run `botctl --help` for usage)')
    .exitOverride();

  program
    .command('templates')
    .description('list the template bots in bot_files/ with their config fields')
    .action(handle(() => import('./commands/templates.js')));

  program
    .command('create')
    .description('create a template bot: one row pointing at the shared template file, nothing copied')
    .requiredOption('--template <name>', 'template name, see `botctl templates`')
    .requiredOption('--name <name>', 'bot name, unique per developer')
    .option('--developer <id>', 'developer id', 'default')
    .option('--exchange <id>', 'ccxt exchange id', 'binanceusdm')
    .option('--description <text>', 'description')
    .action(handle(() => import('./commands/create.js')));

  program
    .command('bots')
    .description('list bots with their code path and subscription count')
    .action(handle(() => import('./commands/bots.js')));

  program
    .command('show')
    .description("inspect one bot: its code, config fields and subscriptions")
    .argument('<bot>', 'bot id, name or developer/name')
    .action(handle(() => import('./commands/show.js')));

  program
    .command('delete')
    .description('remove a bot (refuses while it has subscriptions unless --force)')
    .argument('<bot>', 'bot id, name or developer/name')
    .option('--force', "also remove the bot's subscriptions and their run history")
    .action(handle(() => import('./commands/delete.js')));

  program
    .command('subscribe')
    .description('create a subscription: run a bot on a pair, on a cron schedule, with its own config')
    .argument('<bot>', 'bot id, name or developer/name')
    .requiredOption('--pair <symbol>', 'ccxt unified symbol, e.g. BTC/USDT or BTC/USDT:USDT')
    .requiredOption('--schedule <cron>', 'five-field cron expression, e.g. "*/15 * * * *"')
    .option('--config <json|@file>', "the bot's config, validated by its schema (defaults fill the rest)")
    .option('--risk <json|@file>', 'risk limits: max_leverage, max_orders_per_run, max_position_size_pct, max_order_notional')
    .option('--mode <mode>', 'paper, testnet or live', 'paper')
    .option('--key <name>', 'API key for testnet and live, see `botctl keys`')
    .option('--user <id>', 'user the subscription belongs to', 'default')
    .option('--timezone <tz>', 'IANA time zone the schedule is read in', 'UTC')
    .option('--name <name>', 'subscription name (default: <bot>.<BASE>-<QUOTE>[-<SETTLE>], e.g. btc-trend.BTC-USDT-USDT; commands also accept it as <bot>.<pair>)')
    .option('--version <n>', 'custom bots: pin to this uploaded version (default: follow the newest)')
    .action(handle(() => import('./commands/subscribe.js')));

  program
    .command('subscriptions')
    .description('list subscriptions with their last run status')
    .option('--bot <bot>', "only this bot's subscriptions")
    .action(handle(() => import('./commands/subscriptions.js')));

  program
    .command('pause')
    .description('stop scheduling a subscription (runs under way finish)')
    .argument('<sub>', 'subscription id or name')
    .option('--reason <text>', 'why, shown in `botctl subscriptions`')
    .action(handle(() => import('./commands/pause.js')));

  program
    .command('resume')
    .description('schedule a paused subscription again')
    .argument('<sub>', 'subscription id or name')
    .action(handle(() => import('./commands/resume.js')));

  program
    .command('unsubscribe')
    .description('remove a subscription with its run history')
    .argument('<sub>', 'subscription id or name')
    .action(handle(() => import('./commands/unsubscribe.js')));

  const keys = program
    .command('keys')
    .description('list stored exchange API keys (never their secrets)')
    .action(handle(() => import('./commands/keys.js')));
  keys
    .command('add')
    .description('store an API key and secret read from stdin (prompted without echo on a terminal), encrypted')
    .argument('<name>', 'key name, used by `botctl subscribe --key`')
    .requiredOption('--exchange <id>', 'ccxt exchange id, e.g. binanceusdm')
    .action(handle(() => import('./commands/keys-add.js')));
  keys
    .command('rm')
    .description('remove a stored API key (refuses while subscriptions use it)')
    .argument('<name>', 'key name')
    .action(handle(() => import('./commands/keys-rm.js')));

  const notify = program
    .command('notify')
    .description('list notification channels (Telegram chats, webhooks) botd tells about fills, refusals, failures, pauses')
    .action(handle(() => import('./commands/notify.js')));
  notify
    .command('add')
    .description('add a channel: --webhook URL (signing secret on stdin) or --telegram (bot token and chat id on stdin), stored encrypted')
    .argument('<name>', 'channel name')
    .option('--webhook <url>', 'POST signed JSON to this http(s) URL (- : read it from stdin, before the secret)')
    .option('--telegram', 'send to a Telegram chat through the Bot API')
    .option('--on <kinds>', 'only these events: fill,reject,failure,paused,daemon,backlog (default: all)')
    .action(handle(() => import('./commands/notify-add.js')));
  notify.command('rm').description('remove a channel').argument('<name>', 'channel name').action(handle(() => import('./commands/notify-rm.js')));
  notify
    .command('test')
    .description('send a test message now and show what the receiver answered (exit 1 unless delivered)')
    .argument('<name>', 'channel name')
    .action(handle(() => import('./commands/notify-test.js')));
  notify
    .command('mute')
    .description("stop telling a channel about one subscription")
    .argument('<name>', 'channel name')
    .argument('<sub>', 'subscription id or name')
    .action(handle(() => import('./commands/notify-mute.js')));
  notify
    .command('unmute')
    .description('tell a channel about a muted subscription again')
    .argument('<name>', 'channel name')
    .argument('<sub>', 'subscription id or name')
    .action(handle(() => import('./commands/notify-unmute.js')));

  program
    .command('usage')
    .description('which code file serves how many bots and subscriptions, and the bytes sharing saves')
    .action(handle(() => import('./commands/usage.js')));

  program
    .command('upload')
    .description('custom bot: validate a .ts file, bundle it and store it as a new version in the object store')
    .argument('<file>', 'the bot file (.ts, at most 1 MiB, `export default defineBot({...})`)')
    .option('--name <name>', 'a new bot with this name (default: the file name)')
    .option('--bot <bot>', 'add a version to this custom bot (id, name or developer/name)')
    .option('--developer <id>', 'developer id (default: default)')
    .option('--exchange <id>', 'ccxt exchange id for a new bot (default: binanceusdm)')
    .option('--description <text>', "description for a new bot (default: the bot's own)")
    .action(handle(() => import('./commands/upload.js')));

  program
    .command('versions')
    .description("list a custom bot's uploaded versions and which subscriptions run each")
    .argument('<bot>', 'bot id, name or developer/name')
    .action(handle(() => import('./commands/versions.js')));

  program
    .command('pin')
    .description('run a subscription on one version of its custom bot (rollback), or `latest` to follow uploads')
    .argument('<sub>', 'subscription id or name')
    .argument('<version>', 'a version number from `botctl versions`, or latest')
    .action(handle(() => import('./commands/pin.js')));

  program
    .command('doctor')
    .description('compare the object store with the database: orphaned, missing and damaged objects')
    .option('--verify', 'also download every object and check its sha256')
    .action(handle(() => import('./commands/doctor.js')));

  program
    .command('backup')
    .description('write a consistent copy of the database to FILE (safe while botd runs)')
    .argument('<file>', 'the backup file to create')
    .action(handle(() => import('./commands/backup.js')));

  program
    .command('restore')
    .description('replace the database with a backup made by `botctl backup` (refused while botd runs)')
    .argument('<file>', 'the backup file')
    .action(handle(() => import('./commands/restore.js')));

  const database = program.command('db').description('the database itself: move a home to PostgreSQL');
  database
    .command('copy')
    .description("copy this home's SQLite data into an empty PostgreSQL database (ids kept, one transaction)")
    .option('--to <url>', '`-`: read the postgres:// URL from stdin (default: BOTCTL_DATABASE_URL); a URL here must not carry a password')
    .action(handle(() => import('./commands/db-copy.js')));

  program
    .command('run')
    .description('execute a subscription once now, in the foreground, through the runner botd uses (exit 1 unless it succeeded)')
    .argument('<sub>', 'subscription id or name')
    .action(handle(() => import('./commands/run.js')));

  program
    .command('runs')
    .description('execution history, newest first')
    .option('--subscription <sub>', "only this subscription's runs (id or name)")
    .option('--limit <n>', 'how many runs', '20')
    .action(handle(() => import('./commands/runs.js')));

  program
    .command('orders')
    .description('orders the runs placed (paper, testnet and live), newest first; rejected ones included')
    .option('--subscription <sub>', "only this subscription's orders (id or name)")
    .option('--run <run>', "only this run's orders")
    .option('--limit <n>', 'how many orders', '20')
    .action(handle(() => import('./commands/orders.js')));

  program
    .command('signals')
    .description('trading signals the bots recorded (ctx.signal), newest first')
    .option('--subscription <sub>', "only this subscription's signals (id or name)")
    .option('--limit <n>', 'how many signals', '20')
    .action(handle(() => import('./commands/signals.js')));

  program
    .command('logs')
    .description("one run's outcome and the tail of its output")
    .argument('<run>', 'run id, see `botctl runs`')
    .action(handle(() => import('./commands/logs.js')));

  const data = program.command('data').description('the candle store in the home: fetch, import and list market data');
  data
    .command('fetch')
    .description("download candles through the exchange's public API (paginated, rate-limited, resumable)")
    .requiredOption('--exchange <id>', 'ccxt exchange id, e.g. binance or binanceusdm')
    .requiredOption('--pair <symbol>', 'ccxt unified symbol, e.g. BTC/USDT')
    .requiredOption('--timeframe <tf>', 'candle timeframe, e.g. 1m, 15m, 1h')
    .requiredOption('--since <date>', 'first candle, e.g. 2024-01-01 (UTC)')
    .option('--until <date>', 'end of the period (exclusive; default now)')
    .action(handle(() => import('./commands/data-fetch.js')));
  data
    .command('list')
    .description('stored series: pair, timeframe, first and last candle, count and gaps')
    .action(handle(() => import('./commands/data-list.js')));
  data
    .command('import')
    .description('load recorded-candle JSON or a CSV (time,open,high,low,close,volume) into the store')
    .argument('<file>', 'the file')
    .option('--exchange <id>', 'for a CSV: the exchange it is from')
    .option('--pair <symbol>', 'for a CSV: the pair, e.g. BTC/USDT')
    .option('--timeframe <tf>', 'for a CSV: the timeframe (default: read from the times)')
    .option('--since <date>', "for JSON rows without times: the first candle's open time")
    .action(handle(() => import('./commands/data-import.js')));

  program
    .command('backtest')
    .description("replay a bot over a period on stored candles: its own code in one sandboxed child, through the risk guard and paper fills; `backtest show ID` prints a stored one")
    .argument('<bot>', 'bot id, name or developer/name (or `show`)')
    .argument('[id]', 'with `show`: the backtest id')
    .option('--pair <symbol>', 'ccxt unified symbol, e.g. BTC/USDT')
    .option('--from <date>', 'start of the period, e.g. 2021-02-19 (UTC)')
    .option('--to <date>', 'end of the period (exclusive)')
    .option('--every <tf>', "a slot at every TF boundary (default: the config's timeframe, else the candles')")
    .option('--schedule <cron>', 'slots from a cron schedule, as a subscription fires')
    .option('--config <json|@file>', "the bot's config, validated by its schema")
    .option('--risk <json|@file>', 'risk limits, as for subscribe')
    .option('--balance <amount>', 'starting balance, e.g. 10000USDT')
    .option('--fee <pct>', 'fee per fill in percent of notional, e.g. 0.1 (default: the market taker fee)')
    .option('--slippage <pct>', 'slippage of market and triggered fills in percent, e.g. 0.05 (default 0.05)')
    .option('--version <n>', 'custom bots: the uploaded version (default: the newest)')
    .option('--fail-fast', 'stop at the first slot whose execution throws')
    .option('--sweep <spec>', "grid of config values, e.g. 'fast=5..15:2,slow=20..60:10', run across all cores")
    .option('--holdout <pct>', 'with --sweep: the last part of the period kept out of sample (default 30%)')
    .option('--metric <name>', 'with --sweep: rank by sharpe, sortino, return, profit_factor, win_rate or drawdown (default sharpe)')
    .action(handle(() => import('./commands/backtest.js')));

  program
    .command('backtests')
    .description('stored backtests, to compare configs side by side')
    .action(handle(() => import('./commands/backtests.js')));

  return finishHelp(program);
}

// Every subcommand's errors point at its own --help, and its help marks the options it cannot do without
// (commander lists them like any other).
function finishHelp(command: Command, path = ''): Command {
  for (const sub of command.commands) {
    const name = `${path}${sub.name()}`;
    sub.showHelpAfterError(`(run \`botctl ${name} --help\` for usage)`);
    for (const option of sub.options) if (option.mandatory) option.description = `(required) ${option.description}`;
    finishHelp(sub, `${name} `);
  }
  return command;
}

export async function main(argv = process.argv): Promise<number> {
  const program = buildProgram();
  // `botctl --version` (or `-V`), before any subcommand: the version in package.json.
  const first = argv.slice(2).filter((a) => a !== '--json')[0];
  if (first === '--version' || first === '-V') {
    const { version } = packageVersion();
    process.stdout.write(argv.includes('--json') ? `${JSON.stringify({ version })}\n` : `${version}\n`);
    return 0;
  }
  try {
    await program.parseAsync(argv);
    return resultExitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0; commander has printed them already.
      if (error.exitCode === 0) return 0;
      if (jsonRequested) printError('invalid_input', error.message.replace(/^error: /, ''), undefined, true);
      return 2;
    }
    if (error instanceof BotctlError) {
      printError(error.code, error.message, error.hint, jsonRequested);
      return error.exitCode;
    }
    printError('runtime_failure', errorText(error), undefined, jsonRequested);
    if (process.env.BOTCTL_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
