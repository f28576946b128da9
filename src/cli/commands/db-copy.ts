// `botctl db copy --to -`: the home's SQLite data into an empty PostgreSQL database (issue 12, item 4).
// The URL may carry a password, and argv is readable by every user on the host (ps, /proc/PID/cmdline):
// it comes from stdin (`--to -`) or BOTCTL_DATABASE_URL; a URL in argv is accepted only without a password.
import { existsSync } from 'node:fs';
import { copyToPostgres, type CopyProgress, type TableCopy } from '../../db/copy-to-postgres.js';
import { openPostgres, postgresError } from '../../db/open-postgres.js';
import { parsePostgresUrl, type PostgresUrl } from '../../db/postgres-url.js';
import { invalid } from '../../errors.js';
import { homePaths } from '../../home.js';
import type { Arguments, Options } from '../commands.js';
import type { CommandContext } from '../context.js';
import { keyValues, success, table } from '../output.js';
import { progressBar, type Progress } from '../progress.js';
import { promptHidden } from '../read-secret-input.js';

export interface DbCopyResult {
  target: { server: string; database: string; user: string };
  tables: TableCopy[];
  rows: number;
  seconds: number;
  rows_per_second: number;
}

const maxStdinBytes = 16 * 1024;

async function readUrlFromStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (stdin.isTTY) return promptHidden('PostgreSQL URL: ', stdin, process.stderr);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    length += buffer.length;
    if (length > maxStdinBytes) throw invalid(`Expected one PostgreSQL URL on stdin (--to -), got more than ${maxStdinBytes} bytes.`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8').split('\n').find((l) => l.trim()) ?? '';
}

export async function targetUrl(to: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<PostgresUrl> {
  if (to === '-') return parsePostgresUrl(await readUrlFromStdin(), '--to - (stdin)');
  if (to !== undefined) {
    const target = parsePostgresUrl(to, '--to');
    if (target.hasPassword) {
      throw invalid(
        `Refused --to ${target.shown}: the URL carries a password, and command-line arguments are visible to every user of this host (ps, /proc).`,
        'pass the URL on stdin with `--to -` (e.g. `botctl db copy --to - < url-file`), or in BOTCTL_DATABASE_URL; a URL without a password in --to is fine (pg reads PGPASSWORD and ~/.pgpass)',
      );
    }
    return target;
  }
  const fromEnv = env.BOTCTL_DATABASE_URL;
  if (fromEnv === undefined || fromEnv.trim() === '') {
    throw invalid('Expected the target database: --to - (its URL on stdin), --to postgres://USER@HOST/DATABASE (no password), or BOTCTL_DATABASE_URL; got none of them.');
  }
  return parsePostgresUrl(fromEnv, 'BOTCTL_DATABASE_URL');
}

export async function run(context: CommandContext, _args: Arguments<'db copy'>, options: Options<'db copy'>): Promise<DbCopyResult> {
  const target = await targetUrl(options.to);
  // Opening the database would create an empty one: a mistyped --home must not "copy" nothing successfully.
  const file = homePaths(context.home).database;
  if (!existsSync(file)) throw invalid(`Expected an SQLite database to copy at ${file} (--home / BOTCTL_HOME), found none.`);
  const { sqlite } = await context.sqlite();
  const postgres = await openPostgres(target, { migrate: false, maxConnections: 1 });
  let bar: Progress | undefined;
  const onProgress = (p: CopyProgress) => {
    if (context.json) return;
    if (p.done === 0) {
      bar?.stop();
      bar = progressBar(`${p.table}`);
    }
    bar?.update(p.done, p.total);
  };
  const started = performance.now();
  try {
    const tables = await copyToPostgres(sqlite, postgres.db, onProgress);
    const seconds = (performance.now() - started) / 1000;
    const rows = tables.reduce((n, t) => n + t.rows, 0);
    return {
      target: { server: target.server, database: target.database, user: target.user },
      tables,
      rows,
      seconds: Math.round(seconds * 1000) / 1000,
      rows_per_second: seconds > 0 ? Math.round(rows / seconds) : rows,
    };
  } catch (error) {
    throw postgresError(error, target);
  } finally {
    bar?.stop();
    await postgres.close();
  }
}

export function render(r: DbCopyResult): string {
  return [
    success(`copied ${r.rows} row${r.rows === 1 ? '' : 's'} in ${r.tables.length} tables to PostgreSQL at ${r.target.server}, database ${r.target.database}`),
    table(['table', 'rows', 'next id'], r.tables.map((t) => [t.table, t.rows, t.next_id ?? ''])),
    keyValues([['seconds', r.seconds], ['rows/s', r.rows_per_second]]),
  ].join('\n');
}
