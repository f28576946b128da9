// A real, throwaway PostgreSQL per test file, from Debian's binaries (.ci/install-postgres.sh): initdb into a
// temporary folder, the server on a free 127.0.0.1 port with its socket in that folder, stopped (-m fast) and
// the folder removed in teardown. Never the packaged service. As root the server runs as the `postgres` user
// (PostgreSQL refuses to run as root). Where the binaries are absent, tests skip with a reason (skipWithout);
// with CI=true they run and fail. TEST_WITHOUT=postgres hides them; POSTGRES_BIN points at another bin folder.
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll } from 'vitest';
import { debianBinDir, serverUser, startPostgresServer, type PostgresServer } from '../../scripts/postgres-server.js';
import type { Tool } from './tools.js';

export type { PostgresServer } from '../../scripts/postgres-server.js';

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

/** Starts a server; the caller stops it (`usePostgres` does so after the file's tests). */
export async function startPostgres(): Promise<PostgresServer> {
  if (!postgres.path) throw new Error(`PostgreSQL needed: ${postgres.reason}`);
  return startPostgresServer(postgres.path);
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
