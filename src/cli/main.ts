// botctl's entry point: parses argv, lazy-loads one command handler, prints its result, sets the exit code.
// Only this file calls process.exit; handlers return data and throw BotctlError.
import { Command, CommanderError, Option } from 'commander';
import { BotctlError } from '../errors.js';
import { createContext, type CommandContext } from './context.js';
import { printError, printJson } from './output.js';

export interface CommandModule {
  run(context: CommandContext, args: string[], options: Record<string, unknown>): Promise<unknown>;
  /** Human output; without it the result prints as JSON. */
  render?(result: unknown): string;
}

let jsonRequested = process.argv.includes('--json');

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
    } finally {
      await context.close();
    }
  };
}

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

  return program;
}

export async function main(argv = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
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
    printError('runtime_failure', error instanceof Error ? error.message : String(error), undefined, jsonRequested);
    if (process.env.BOTCTL_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
