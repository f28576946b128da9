// Starts the real bin/botd.js and follows its JSON log lines.
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import type { Kysely } from 'kysely';
import { afterEach } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import type { Database } from '../../src/db/schema.js';
import { botdBin } from '../support/cli.js';
import { temporaryHome } from '../support/home.js';
import { fixtureBots, until } from './helpers.js';

export interface LogLine {
  time: string;
  level: string;
  msg: string;
  run_id?: number | null;
  subscription_id?: number;
  status?: string;
  duration_ms?: number;
  pid?: number;
  [field: string]: unknown;
}

export interface Botd {
  pid: number;
  lines: LogLine[];
  /** stdout lines that were not JSON (there should be none). */
  garbage: string[];
  /** Resolves on the first log line (already seen or future) matching. */
  waitFor(what: string, match: (line: LogLine, index: number) => boolean, timeoutMs?: number): Promise<LogLine>;
  exit: Promise<{ exitCode: number | undefined; signal: string | undefined; stderr: string }>;
  kill(signal: NodeJS.Signals): void;
}

const running = new Set<ResultPromise>();

/** `asProgram`: started as an operator starts it, `botd` through its shim (bin/botd.js as an executable), on this Node. */
export function startBotd(home: string, args: string[] = [], env: Record<string, string> = {}, options: { asProgram?: boolean } = {}): Botd {
  const botdArgs = [botdBin, 'start', '--home', home, '--kill-grace', '300', ...args];
  const [command, ...commandArgs] = options.asProgram ? botdArgs : [process.execPath, ...botdArgs];
  const child = execa(command!, commandArgs, {
    env: { BOTCTL_BOT_FILES: fixtureBots, NO_COLOR: '1', ...(options.asProgram ? { PATH: thisNodeFirst() } : {}), ...env },
    reject: false,
    buffer: { stdout: false, stderr: true },
    stdin: 'ignore',
    // A graceful stop may take longer than execa's default 5 s before it escalates to SIGKILL.
    forceKillAfterDelay: false,
  });
  running.add(child);
  const lines: LogLine[] = [];
  const garbage: string[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      garbage.push(text);
    }
  });
  let ended: { exitCode: number | undefined; signal: string | undefined; stderr: string } | undefined;
  const exit = child.then((result) => {
    running.delete(child);
    ended = { exitCode: result.exitCode, signal: result.signal, stderr: String(result.stderr ?? '') };
    return ended;
  });
  return {
    pid: child.pid as number,
    lines,
    garbage,
    exit,
    kill: (signal) => child.kill(signal),
    waitFor: (what, match, timeoutMs = 90_000) =>
      until(
        `botd to log ${what}`,
        () => {
          const found = lines.find((line, index) => match(line, index));
          // A botd that already exited will never log it: fail now, with what it said.
          if (!found && ended) throw new Error(`botd exited (${ended.exitCode ?? ended.signal}) before logging ${what}: ${ended.stderr}`);
          return found;
        },
        timeoutMs,
      ),
  };
}

/** PATH with this Node's folder first, so a shim's `node` is the Node running the tests. */
export function thisNodeFirst(): string {
  return `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
}

/** For afterEach: no botd outlives its test. */
export function killAllBotds(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/**
 * Registers an afterEach that kills every botd, then removes the homes handed out; returns the function that
 * hands out a fresh home (its path) for botd to run in.
 */
export function useBotdHomes(): () => string {
  const homes: ReturnType<typeof temporaryHome>[] = [];
  afterEach(() => {
    killAllBotds();
    for (const home of homes.splice(0)) home.remove();
  });
  return () => {
    const home = temporaryHome();
    homes.push(home);
    return home.home;
  };
}

/** Opens the home's database (created and migrated) for `use`, and closes it afterwards, whatever happens. */
export async function withDatabase<T>(home: string, use: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const connection = await openDatabase(home);
  try {
    return await use(connection.db);
  } finally {
    await connection.close();
  }
}
