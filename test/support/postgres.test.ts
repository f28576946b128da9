import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { postgres, startPostgres } from './postgres.js';
import { skipWithout } from './tools.js';

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

describe.skipIf(skipWithout(postgres, 'PostgreSQL test server'))('startPostgres', () => {
  it('starts a throwaway server on 127.0.0.1, hands out empty databases, and leaves nothing behind', async () => {
    const server = await startPostgres();
    try {
      const { rows } = await server.query<{ version: string; addr: string }>('SELECT version(), inet_server_addr()::text AS addr');
      expect(rows[0]?.version).toMatch(/^PostgreSQL \d+/);
      expect(rows[0]?.addr).toBe('127.0.0.1/32');
      const url = await server.createDatabase('fresh_one');
      expect(url).toBe(`postgres://postgres@127.0.0.1:${server.port}/fresh_one`);
      const tables = await server.query(`SELECT 1 FROM pg_database WHERE datname = 'fresh_one'`);
      expect(tables.rowCount).toBe(1);
      // The socket sits in the temporary folder, not in /var/run/postgresql.
      expect(existsSync(`${server.dir}/.s.PGSQL.${server.port}`)).toBe(true);
    } finally {
      await server.stop();
    }
    expect(existsSync(server.dir)).toBe(false);
    expect(await refused(server.port)).toBe(true);
  });
});
