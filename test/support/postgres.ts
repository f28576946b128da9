// A real, throwaway PostgreSQL per test file, from Debian's binaries (.ci/install-postgres.sh): initdb into a
// temporary folder, the server on a free 127.0.0.1 port with its socket in that folder, stopped (-m fast) and
// the folder removed in teardown. Never the packaged service. As root the server runs as the `postgres` user
// (PostgreSQL refuses to run as root). Where the binaries are absent, tests skip with a reason (skipWithout);
// with CI=true they run and fail. TEST_WITHOUT=postgres hides them; POSTGRES_BIN points at another bin folder.
import { accessSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, execaSync } from 'execa';
import pg from 'pg';
import { beforeAll } from 'vitest';
import { freePorts } from './ports.js';
import type { Tool } from './tools.js';

/** The bin folder of the newest PostgreSQL Debian installed (`/usr/lib/postgresql/<major>/bin`). */
function debianBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
  return majors.map((m) => join(root, m, 'bin')).find((dir) => existsSync(join(dir, 'pg_ctl')));
}

/** Who runs the server: ourselves, or as root the `postgres` user from /etc/passwd. */
function serverUser(): { uid: number; gid: number } | undefined | string {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) return 'running as root and there is no `postgres` user to run the server as';
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

async function findPostgres(): Promise<Tool> {
  const name = 'postgres';
  if ((process.env.TEST_WITHOUT ?? '').split(',').map((s) => s.trim()).includes(name)) return { name, reason: 'postgres hidden by TEST_WITHOUT' };
  const dir = process.env.POSTGRES_BIN ?? debianBinDir();
  if (!dir) return { name, reason: 'no PostgreSQL in /usr/lib/postgresql (apt-get install postgresql, or .ci/install-postgres.sh)' };
  for (const program of ['initdb', 'pg_ctl', 'postgres']) {
    try {
      accessSync(join(dir, program), constants.X_OK);
    } catch {
      return { name, reason: `${join(dir, program)} is missing or not executable` };
    }
  }
  const user = serverUser();
  if (typeof user === 'string') return { name, reason: user };
  const probe = await execa(join(dir, 'initdb'), ['--version'], { reject: false, stdin: 'ignore', timeout: 30_000 });
  if (probe.exitCode !== 0) return { name, reason: `${join(dir, 'initdb')} --version failed: ${probe.stderr || probe.stdout}` };
  return { name, path: dir, reason: '' };
}

/** The PostgreSQL binaries, or why there are none: for `describe.skipIf(skipWithout(postgres, '…'))`. */
export const postgres: Tool = await findPostgres();

export interface PostgresServer {
  port: number;
  /** The temporary folder: data directory (`data/`), socket and log. */
  dir: string;
  /** postgres://postgres@127.0.0.1:PORT/DATABASE (trust authentication: no password). */
  url(database?: string): string;
  /** A new, empty database (from template1); returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Runs SQL on the maintenance database `postgres`. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Stops the server (fast shutdown: clients are disconnected) and starts it again on the same port and data. */
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

let databases = 0;

/** Starts a server; the caller stops it (`usePostgres` does so after the file's tests). */
export async function startPostgres(): Promise<PostgresServer> {
  if (!postgres.path) throw new Error(`PostgreSQL needed: ${postgres.reason}`);
  const bin = postgres.path;
  const user = serverUser();
  const as = typeof user === 'object' ? user : {};
  const dir = mkdtempSync(join(tmpdir(), 'botctl-pg-'));
  if (typeof user === 'object') chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  // LC_ALL=C: the cluster's collation does not depend on the machine; no PG* variables leak in.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' };
  const run = (program: string, args: string[]) =>
    execa(join(bin, program), args, { ...as, cwd: dir, env, extendEnv: false, stdin: 'ignore', reject: false, timeout: 120_000 });
  try {
    const init = await run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    if (init.exitCode !== 0) throw new Error(`initdb failed (exit ${init.exitCode}): ${init.stderr || init.stdout}`);
    // A port free a moment ago may be taken by the time the server binds: try a few.
    for (let attempt = 1; ; attempt++) {
      const [port] = await freePorts(1);
      if (!port) throw new Error('no free port on 127.0.0.1');
      // Durability off: a test server's data is thrown away anyway, and fsyncs on a loaded disk only slow it.
      const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
      const start = () => run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '90', 'start']);
      const started = await start();
      if (started.exitCode === 0) return serverHandle(dir, data, port, { stop: () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']), start }, env, as, bin);
      const log = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8') : '';
      if (attempt >= 3 || !/could not bind|address already in use/i.test(log)) {
        throw new Error(`pg_ctl start failed (exit ${started.exitCode}): ${started.stderr || started.stdout}\n${log.slice(-2000)}`);
      }
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function serverHandle(
  dir: string,
  data: string,
  port: number,
  control: { stop: () => Promise<{ exitCode?: number; stderr: string }>; start: () => Promise<{ exitCode?: number; stderr: string }> },
  env: Record<string, string>,
  as: { uid?: number; gid?: number },
  bin: string,
): PostgresServer {
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let stopped = false;
  // Should the test process die before teardown, do not leave a server running behind it.
  const onExit = () => {
    if (!stopped) execaSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop'], { ...as, env, extendEnv: false, reject: false });
  };
  process.once('exit', onExit);
  const query = async <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => {
    const client = new pg.Client({ connectionString: url() });
    await client.connect();
    try {
      return await client.query<R>(text, values);
    } finally {
      await client.end();
    }
  };
  return {
    port,
    dir,
    url,
    query,
    async createDatabase(name = `test_${process.pid}_${++databases}`) {
      await query(`CREATE DATABASE "${name}"`);
      return url(name);
    },
    async down() {
      const result = await control.stop();
      if (result.exitCode !== 0) throw new Error(`pg_ctl stop failed (exit ${result.exitCode}): ${result.stderr}`);
    },
    async up() {
      const result = await control.start();
      if (result.exitCode !== 0) throw new Error(`pg_ctl start failed (exit ${result.exitCode}): ${result.stderr}`);
    },
    async stop() {
      if (stopped) return;
      const result = await control.stop();
      stopped = true;
      process.removeListener('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
      if (result.exitCode !== 0) throw new Error(`pg_ctl stop failed (exit ${result.exitCode}): ${result.stderr}`);
    },
  };
}

/**
 * One server for the enclosing suite: started in beforeAll, stopped (by the hook's returned teardown) after the
 * suite's own afterAll hooks.
 * Read `.server` inside tests and hooks registered after this call.
 */
export function usePostgres(): { readonly server: PostgresServer } {
  let current: PostgresServer | undefined;
  beforeAll(async () => {
    const server = await startPostgres();
    current = server;
    return async () => {
      current = undefined;
      await server.stop();
    };
  });
  return {
    get server() {
      if (!current) throw new Error('usePostgres: the server runs only inside the tests and hooks it serves');
      return current;
    },
  };
}
