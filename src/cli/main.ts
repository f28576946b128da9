// botctl's entry point: parses argv, lazy-loads one command handler, prints its result, sets the exit code.
// Only this file calls process.exit; handlers return data and throw BotctlError.
import { Command, CommanderError, Option } from 'commander';
import { databaseError } from '../db/database-error.js';
import { BotctlError, errorText } from '../errors.js';
import { commands } from './commands.js';
import { createContext, type CommandContext } from './context.js';
import { addCommand } from '../command-declaration.js';
import type { CommandModule, LoadedCommand } from './define-command.js';
import { printError, printJson } from './output.js';
import { packageVersion } from '../package-version.js';

let jsonRequested = process.argv.includes('--json');
let resultExitCode = 0;

type Commands = typeof commands;
type Handled = { [K in keyof Commands]: Commands[K] extends { group: true } ? never : K }[keyof Commands];

// Each declared command's handler, loaded only when it runs (botctl starts without loading the others). The type
// pairs each with its declaration: a handler whose run() does not take exactly the declared options fails here.
const handlers: { [K in Handled]: () => Promise<CommandModule<Commands[K]>> } = {
  templates: () => import('./commands/templates.js'),
  create: () => import('./commands/create.js'),
  bots: () => import('./commands/bots.js'),
  show: () => import('./commands/show.js'),
  delete: () => import('./commands/delete.js'),
  subscribe: () => import('./commands/subscribe.js'),
  subscriptions: () => import('./commands/subscriptions.js'),
  pause: () => import('./commands/pause.js'),
  resume: () => import('./commands/resume.js'),
  unsubscribe: () => import('./commands/unsubscribe.js'),
  keys: () => import('./commands/keys.js'),
  'keys add': () => import('./commands/keys-add.js'),
  'keys rm': () => import('./commands/keys-rm.js'),
  notify: () => import('./commands/notify.js'),
  'notify add': () => import('./commands/notify-add.js'),
  'notify rm': () => import('./commands/notify-rm.js'),
  'notify test': () => import('./commands/notify-test.js'),
  'notify mute': () => import('./commands/notify-mute.js'),
  'notify unmute': () => import('./commands/notify-unmute.js'),
  usage: () => import('./commands/usage.js'),
  nodes: () => import('./commands/nodes.js'),
  upload: () => import('./commands/upload.js'),
  versions: () => import('./commands/versions.js'),
  pin: () => import('./commands/pin.js'),
  doctor: () => import('./commands/doctor.js'),
  backup: () => import('./commands/backup.js'),
  restore: () => import('./commands/restore.js'),
  'db copy': () => import('./commands/db-copy.js'),
  run: () => import('./commands/run.js'),
  runs: () => import('./commands/runs.js'),
  orders: () => import('./commands/orders.js'),
  signals: () => import('./commands/signals.js'),
  logs: () => import('./commands/logs.js'),
  'data fetch': () => import('./commands/data-fetch.js'),
  'data list': () => import('./commands/data-list.js'),
  'data import': () => import('./commands/data-import.js'),
  backtest: () => import('./commands/backtest.js'),
  backtests: () => import('./commands/backtests.js'),
};

function handle(load: () => Promise<LoadedCommand>) {
  return async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const args = params.slice(0, -2).flat() as string[];
    const options = command.optsWithGlobals<{ home?: string; json?: boolean; database?: string }>();
    jsonRequested = Boolean(options.json);
    let context: CommandContext | undefined;
    try {
      context = createContext(options);
      const module = await load();
      // Commander parsed these by the command's own declaration (addCommand), the one `handlers` checked run() against.
      const result = await module.run(context, args as never, options as never);
      if (options.json || !module.render) printJson(result);
      else {
        const text = module.render(result);
        if (text) process.stdout.write(`${text}\n`);
      }
      resultExitCode = module.exitCode?.(result) ?? 0;
    } catch (error) {
      // SQLite's own message names neither the file nor what to do next.
      throw databaseError(error, context?.databaseLocation ?? '');
    } finally {
      await context?.close();
    }
  };
}

export function buildProgram(): Command {
  const program = new Command('botctl')
    .description('Register trading bots and their subscriptions; botd runs them on schedule.')
    .addOption(new Option('--home <dir>', 'home folder (database, keys, caches)').env('BOTCTL_HOME'))
    .option('--database <url>', 'PostgreSQL instead of the home\'s SQLite file: postgres://USER@HOST:PORT/DB, no password (default: BOTCTL_DATABASE_URL)')
    .option('--json', 'machine-readable output on stdout')
    // Not a commander option: `subscribe --version N` is the subscription's; main() answers a leading --version.
    .addHelpText('after', '\n`botctl --version` (or -V) prints the version, {"version": …} with --json.')
    .showHelpAfterError('(run `botctl --help` for usage)')
    .exitOverride();
  const added = new Map<string, Command>();
  for (const [path, declaration] of Object.entries(commands) as [keyof Commands, Commands[keyof Commands]][]) {
    // `keys add` is `add` under `keys`, declared (and so added) after it.
    const [name, parent] = path.split(' ').reverse() as [string, string | undefined];
    const command = addCommand(parent === undefined ? program : added.get(parent)!, name, declaration);
    if (path in handlers) command.action(handle(handlers[path as Handled]));
    added.set(path, command);
  }
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
