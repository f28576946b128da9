// botctl's entry point: parses argv, lazy-loads one command handler, prints its result, sets the exit code.
// Only this file calls process.exit; handlers return data and throw BotctlError.
import { Command, CommanderError, Option } from 'commander';
import { BotctlError, errorText } from '../errors.js';
import { createContext, type CommandContext } from './context.js';
import { printError, printJson } from './output.js';

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
    .option('--name <name>', 'subscription name (default: <bot>.<pair>)')
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

  return program;
}

export async function main(argv = process.argv): Promise<number> {
  const program = buildProgram();
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
