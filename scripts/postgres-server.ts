// A real, throwaway PostgreSQL from Debian's binaries, for the tests (test/support/postgres.ts) and the benches:
// initdb into a temporary folder, the server on a free 127.0.0.1 port with its socket in that folder, stopped
// (-m fast) and the folder removed by stop(). Never the packaged service. As root the server runs as the
// `postgres` user (PostgreSQL refuses to run as root). POSTGRES_BIN points at another bin folder.
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, execaSync } from 'execa';
import pg from 'pg';

/** The bin folder of the newest PostgreSQL Debian installed (`/usr/lib/postgresql/<major>/bin`). */
export function debianBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
  return majors.map((m) => join(root, m, 'bin')).find((dir) => existsSync(join(dir, 'pg_ctl')));
}

/** Who runs the server: ourselves, or as root the `postgres` user from /etc/passwd. */
export function serverUser(): { uid: number; gid: number } | undefined | string {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) return 'running as root and there is no `postgres` user to run the server as';
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

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

/** Starts a server on a free port; the caller stops it. */
export async function startPostgresServer(bin: string): Promise<PostgresServer> {
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
      const port = await freePort();
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


/** A TCP port on 127.0.0.1 that was free a moment ago. */
function freePort(): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(address !== null && typeof address === 'object' ? address.port : undefined));
    });
  });
}
