// Database health with real files and real processes: a damaged file stops botd at start and fails
// `botctl doctor`, a read-only home stops botd at start, a deleted or replaced file makes botd exit 1,
// errors name the file and the next step, and the WAL stays bounded.
import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqlite, walSizeLimitBytes } from '../../src/db/open.js';
import { quickCheck } from '../../src/db/health.js';
import { botctl } from '../support/cli.js';
import { cannotMount, mountSmallFilesystem } from '../support/small-filesystem.js';
import { startBotd, useBotdHomes, withDatabase } from '../daemon/botd.js';
import { addBot, addSubscription } from '../daemon/helpers.js';

const freshHome = useBotdHomes();
const mountProblem = cannotMount();

/** A home whose runs table spans many pages, then garbage written over its root page. */
async function damagedHome(): Promise<string> {
  const home = freshHome();
  await withDatabase(home, async (db) => {
    const sub = await addSubscription(db, await addBot(db, 'noop'));
    const at = new Date().toISOString();
    const rows = Array.from({ length: 2_000 }, (_, i) => ({ subscription_id: sub, scheduled_for: new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString(), started_at: at, finished_at: at, status: 'succeeded', error: 'x'.repeat(50) }));
    for (let i = 0; i < rows.length; i += 200) await db.insertInto('runs').values(rows.slice(i, i + 200) as never).execute();
  });
  const file = join(home, 'botctl.db');
  const sqlite = new SQLite(file);
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const { rootpage } = sqlite.prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'runs'`).get() as { rootpage: number };
  const pageSize = sqlite.pragma('page_size', { simple: true }) as number;
  sqlite.close();
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(pageSize - 200, 0xa5), 0, pageSize - 200, (rootpage - 1) * pageSize + 100);
  closeSync(fd);
  return home;
}

describe('database health', () => {
  it('a damaged database stops botd at start and fails botctl doctor, naming the file and the next step', async () => {
    const home = await damagedHome();
    const file = join(home, 'botctl.db');
    expect((await quickCheck(file, 60_000)).status).toBe('damaged');
    const botd = startBotd(home);
    const exit = await botd.exit;
    expect(exit.exitCode).toBe(1);
    expect(exit.stderr).toContain(`database is damaged: ${file}`);
    expect(exit.stderr).toMatch(/next: .*botctl restore/);
    expect(botd.lines.filter((l) => l.msg === 'run started')).toEqual([]);
    const doctor = await botctl(home, ['doctor', '--json']);
    expect(doctor.exitCode).toBe(1);
    expect(doctor.json).toMatchObject({ ok: false, database: { file } });
    expect(Array.isArray((doctor.json as { database: { quick_check: unknown } }).database.quick_check)).toBe(true);
  });

  it('botctl doctor reports a healthy database', async () => {
    const home = freshHome();
    const doctor = await botctl(home, ['doctor', '--json']);
    // Its exit code also depends on this host's sandbox layers (doctor reports both).
    expect(doctor.json).toMatchObject({ database: { file: join(home, 'botctl.db'), quick_check: 'ok' } });
  });

  it('botd exits 1 when its database file is deleted, and when it is replaced', async () => {
    for (const change of ['delete', 'replace'] as const) {
      const home = freshHome();
      const file = join(home, 'botctl.db');
      const botd = startBotd(home);
      await botd.waitFor('start-up', (l) => l.msg === 'botd started');
      if (change === 'delete') rmSync(file);
      else {
        // Another valid database moved over it, as a restore by hand would.
        const other = join(home, 'other.db');
        new SQLite(other).close();
        renameSync(other, file);
      }
      const exit = await botd.exit;
      expect(exit.exitCode).toBe(1);
      const line = botd.lines.find((l) => l.msg.startsWith('database file deleted or replaced'));
      expect(line?.level).toBe('error');
      expect(String(line?.reason)).toContain(change === 'delete' ? 'was deleted' : 'was replaced');
      expect(exit.stderr).toMatch(/next: {2}restart botd/);
    }
  });

  it('SQLite errors reaching botctl name the file and a next step', async () => {
    const home = freshHome();
    mkdirSync(join(home, 'botctl.db'));
    const result = await botctl(home, ['bots']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(join(home, 'botctl.db'));
    expect(result.stderr).toMatch(/next: /);
  });

  it('keeps the WAL bounded: after a checkpoint it is cut back to journal_size_limit', async () => {
    const home = freshHome();
    const connection = await openSqlite(home);
    const wal = join(home, 'botctl.db-wal');
    try {
      const { sqlite } = connection;
      sqlite.exec('CREATE TABLE filler (b BLOB)');
      // A reader holding an old snapshot keeps the automatic checkpoints from resetting the WAL, as under load.
      const reader = new SQLite(join(home, 'botctl.db'));
      reader.exec('BEGIN');
      reader.prepare('SELECT count(*) FROM filler').get();
      const insert = sqlite.prepare('INSERT INTO filler VALUES (randomblob(4096))');
      for (let i = 0; i < 3_000; i++) insert.run();
      expect(statSync(wal).size).toBeGreaterThan(2 * walSizeLimitBytes);
      reader.exec('COMMIT');
      reader.close();
      sqlite.pragma('wal_checkpoint(PASSIVE)');
      insert.run();
      expect(statSync(wal).size).toBeLessThanOrEqual(walSizeLimitBytes);
    } finally {
      await connection.close();
    }
  });

  describe.skipIf(mountProblem !== undefined && process.env.CI !== 'true')('on a read-only filesystem', () => {
    it('botd stops at start with a clear message instead of failing every run', async () => {
      const fs = mountSmallFilesystem(32);
      try {
        const home = join(fs.dir, 'home');
        await withDatabase(home, async (db) => {
          await addSubscription(db, await addBot(db, 'noop'), { schedule: '* * * * * *' });
        });
        const { spawnSync } = await import('node:child_process');
        expect(spawnSync('mount', ['-o', 'remount,ro', fs.dir]).status).toBe(0);
        const botd = startBotd(home);
        const exit = await botd.exit;
        expect(exit.exitCode).toBe(1);
        expect(exit.stderr).toContain(`home ${home} is not writable (EROFS)`);
        expect(exit.stderr).toMatch(/next: +remount that filesystem read-write/);
        expect(botd.lines.filter((l) => l.msg === 'run started')).toEqual([]);
      } finally {
        fs.unmount();
      }
    });
  });
});
