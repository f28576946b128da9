// botd's entry point: `botd start` runs the daemon in the foreground until SIGTERM/SIGINT; `botd service`
// prints a systemd unit. Only this file decides exit codes.
import { userInfo } from 'node:os';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { addCommand, addOptions, defineCommand, type OptionsOf } from '../command-declaration.js';
import { packageVersion } from '../package-version.js';
import { BotctlError, errorText, invalid } from '../errors.js';
import { resolveHome } from '../home.js';
import { parseListenAddress, type ListenAddress } from '../metrics/listen-address.js';
import { colourLevel } from '../text/terminal.js';
import { logLevels, type LogLevel } from './log.js';
import {
  defaultBacklogWarnMs,
  defaultConcurrency,
  defaultHeapMb,
  defaultKillGraceMs,
  defaultMaxConsecutiveFailures,
  defaultStopGraceMs,
  defaultWarmLeadMs,
  maxCatchUpDeadlineMs,
} from './defaults.js';

function positiveInteger(name: string, min = 1) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`Expected ${name} to be an integer of at least ${min}, got ${JSON.stringify(value)}.`);
    }
    return n;
  };
}

// botd's commands, declared once (src/command-declaration.ts): the handlers' option types come from here.
const botdProgram = defineCommand({
  description: 'Runs botctl subscriptions on their schedules, one sandboxed Node child per execution.',
  options: [{ flags: '--home <dir>', description: 'home folder (database, keys, caches)', env: 'BOTCTL_HOME' }],
});

const startCommand = defineCommand({
  description: 'run in the foreground until SIGTERM/SIGINT; logs one readable line per event on a terminal, else one JSON object per line on stdout',
  options: [
    { flags: '--concurrency <n>', description: `executions running at once; more due runs wait their turn (default: 2 per core, ${defaultConcurrency} here)`, parse: positiveInteger('--concurrency'), default: defaultConcurrency },
    { flags: '--stop-grace <ms>', description: 'on SIGTERM/SIGINT, how long to wait for running bots before stopping them', parse: positiveInteger('--stop-grace', 0), default: defaultStopGraceMs },
    { flags: '--kill-grace <ms>', description: 'after the abort message, and again after SIGTERM, how long a bot gets to exit', parse: positiveInteger('--kill-grace', 0), default: defaultKillGraceMs },
    { flags: '--max-failures <n>', description: 'consecutive failed runs after which a subscription is paused', parse: positiveInteger('--max-failures'), default: defaultMaxConsecutiveFailures },
    { flags: '--heap-mb <mb>', description: "each bot child's JavaScript heap limit", parse: positiveInteger('--heap-mb', 16), default: defaultHeapMb },
    { flags: '--catch-up-deadline <ms>', description: 'longest delay at which a slot missed during downtime still runs (capped by its period)', parse: positiveInteger('--catch-up-deadline', 0), default: maxCatchUpDeadlineMs },
    { flags: '--prewarm <ms>', description: "how long before its slot a run's child is spawned, to be started at the slot (0: spawn at the slot)", parse: positiveInteger('--prewarm', 0), default: defaultWarmLeadMs },
    { flags: '--allow-unsandboxed-custom-bots', description: "where the OS sandbox cannot be had, run uploaded bots anyway, with only Node's permission model around them (DANGEROUS)" },
    { flags: '--metrics <host:port>', description: 'serve Prometheus metrics at /metrics and health at /healthz, e.g. 127.0.0.1:9464', parse: listenAddress },
    { flags: '--metrics-per-subscription', description: 'also label run counts by subscription id (one series per subscription and status)' },
    { flags: '--database <url>', description: "PostgreSQL instead of the home's SQLite file, shared by a fleet of botd nodes: postgres://USER@HOST:PORT/DB without a password (default: BOTCTL_DATABASE_URL)" },
    { flags: '--node-name <name>', description: 'this node\'s name in `botctl nodes` (default: the host name)', parse: nodeName },
    { flags: '--backlog-warn <ms>', description: 'warn (log, notify) when a due run has waited this long for a free slot', parse: positiveInteger('--backlog-warn', 1), default: defaultBacklogWarnMs },
    { flags: '--log-level <level>', description: 'least important log lines shown', choices: logLevels, default: 'info' },
    { flags: '--verbose', description: 'debug lines too (same as --log-level debug)' },
    { flags: '--log-format <format>', description: 'pretty: one readable line per event; json: one JSON object per line; auto: pretty on a terminal', choices: ['auto', 'json', 'pretty'], default: 'auto' },
  ],
});

const serviceCommand = defineCommand({
  description: 'print a systemd unit for this installation',
  options: [
    { flags: '--user <user>', description: 'unix user botd runs as (default: the current user, or botctl when that is root)' },
    { flags: '--fleet', description: 'a fleet node on PostgreSQL: read the database URL, object store and master key from an EnvironmentFile (implied when BOTCTL_DATABASE_URL is set)' },
    { flags: '--environment-file <file>', description: 'with --fleet, the EnvironmentFile (default: /etc/botctl/botd.env)' },
    { flags: '--node-name <name>', description: 'with --fleet, this node\'s name (default: the host name)', parse: nodeName },
  ],
});

type StartOptions = OptionsOf<typeof botdProgram> & OptionsOf<typeof startCommand>;
type ServiceOptions = OptionsOf<typeof botdProgram> & OptionsOf<typeof serviceCommand>;

async function start(options: StartOptions): Promise<number> {
  const [{ startDaemon }, { jsonLogger, errorText }] = await Promise.all([import('./daemon.js'), import('./log.js')]);
  const level: LogLevel = options.verbose ? 'debug' : (options.logLevel ?? 'info');
  // One readable line per event for a person at a terminal; JSON lines for journald and log shippers.
  const format = options.logFormat ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && Boolean(process.stdout.isTTY));
  const log = pretty
    ? (await import('./pretty-log.js')).prettyLogger({ colour: colourLevel(process.stdout), level })
    : jsonLogger(undefined, level);
  const home = resolveHome(options.home);
  const { databaseUrlOf } = await import('../db/database-url.js');
  const databaseUrl = databaseUrlOf(options.database);
  const { announceSandbox } = await import('../sandbox/announce.js');
  announceSandbox(log, Boolean(options.allowUnsandboxedCustomBots), options.heapMb ?? defaultHeapMb);
  // Handlers first: until one is installed a SIGTERM kills the process outright, and one sent just as
  // 'botd started' is logged used to do that (seen in tests). A signal during start-up stops botd once started.
  let signals = 0;
  let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined;
  let early: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (!daemon) early ??= signal;
    else if (signals === 1) void daemon.stop(signal);
    else {
      log.warn('second stop signal: stopping runs now', { signal });
      daemon.hurry();
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  daemon = await startDaemon({
    home,
    databaseUrl,
    nodeName: options.nodeName,
    concurrency: options.concurrency,
    stopGraceMs: options.stopGrace,
    killGraceMs: options.killGrace,
    maxConsecutiveFailures: options.maxFailures,
    heapMb: options.heapMb,
    catchUpDeadlineMs: options.catchUpDeadline,
    warmLeadMs: options.prewarm,
    log,
    observe: {
      ...(options.metrics ? { metrics: options.metrics } : {}),
      metricsPerSubscription: options.metricsPerSubscription ?? false,
      backlogWarnMs: options.backlogWarn,
    },
  });
  if (early) void daemon.stop(early);
  const crash = (error: unknown) => {
    // Runs under way are found `abandoned` and their children stopped by the next start (systemd restarts it).
    log.error('botd crashed', { error: errorText(error), stack: error instanceof Error ? error.stack : undefined });
    process.exit(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  await daemon.stopped;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  if (daemon.fault) {
    process.stderr.write(`error: botd stopped: ${daemon.fault}\nnext:  restart botd (systemd does, with Restart=on-failure) so that it opens the file that is there now\n`);
    return 1;
  }
  return 0;
}

function nodeName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(value)) {
    throw new InvalidArgumentError(`Expected a node name of letters, digits, '.', '_' or '-' (at most 63, starting with a letter or digit), got ${JSON.stringify(value)}.`);
  }
  return value;
}

function listenAddress(value: string): ListenAddress {
  try {
    return parseListenAddress(value);
  } catch (error) {
    throw new InvalidArgumentError(errorText(error));
  }
}

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = addOptions(new Command('botd').description(botdProgram.description), botdProgram.options)
    .version(packageVersion().version, '-V, --version', 'print the version')
    .showHelpAfterError('(run `botd --help` for usage)')
    .exitOverride();

  addCommand(program, 'start', startCommand).action(async (_options: unknown, command: Command) => {
    const options = command.optsWithGlobals<StartOptions>();
    if (options.metricsPerSubscription && !options.metrics) throw invalid('Expected --metrics HOST:PORT with --metrics-per-subscription, got no --metrics.');
    setExitCode(await start(options));
  });

  addCommand(program, 'service', serviceCommand).action(async (_options: unknown, command: Command) => {
    const options = command.optsWithGlobals<ServiceOptions>();
    const { serviceUnit, serviceHome, defaultFleetEnvFile } = await import('./service-unit.js');
    const current = userInfo().username;
    const fleet = options.fleet || options.environmentFile || options.nodeName || process.env.BOTCTL_DATABASE_URL;
    const unit = serviceUnit({
      fleet: fleet ? { envFile: options.environmentFile ?? defaultFleetEnvFile, nodeName: options.nodeName } : undefined,
      user: options.user ?? (current === 'root' ? 'botctl' : current),
      home: options.home ? resolveHome(options.home) : serviceHome,
      stopGraceMs: defaultStopGraceMs,
      killGraceMs: defaultKillGraceMs,
    });
    process.stdout.write(unit);
    setExitCode(0);
  });

  return program;
}

export async function main(argv = process.argv): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof BotctlError) {
      process.stderr.write(`error: ${error.message}\n`);
      if (error.hint) process.stderr.write(`next:  ${error.hint}\n`);
      return error.exitCode;
    }
    process.stderr.write(`error: ${errorText(error)}\n`);
    if (process.env.BOTCTL_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
