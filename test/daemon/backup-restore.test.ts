// botctl backup while botd runs, botctl restore refused while botd runs, then a restore followed by botd
// start on the restored home: real processes, real files.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { botctl } from '../support/cli.js';
import { snapshotDatabase } from '../support/db-snapshot.js';
import { startBotd, useBotdHomes, withDatabase } from './botd.js';
import { addBot, addSubscription, runsOf, until } from './helpers.js';

const freshHome = useBotdHomes();

describe('botctl backup and restore', () => {
  it('backs up while botd runs, refuses to restore under a running botd, and botd starts on the restored home', { timeout: 240_000 }, async () => {
    const source = freshHome();
    const sub = await withDatabase(source, async (db) => addSubscription(db, await addBot(db, 'counter'), { schedule: '* * * * * *', timeoutMs: 60_000 }));
    const botd = startBotd(source);
    await withDatabase(source, (db) => until('three runs', async () => (await runsOf(db, sub)).filter((r) => r.status === 'succeeded').length >= 3, 150_000));
    const file = join(freshHome(), 'ledger.backup');
    const backup = await botctl(source, ['backup', file, '--json']);
    expect(backup.exitCode).toBe(0);
    const { runs } = backup.json as { runs: number };
    expect(runs).toBeGreaterThanOrEqual(3);
    // A second backup to the same file is refused: nothing is overwritten.
    expect((await botctl(source, ['backup', file])).exitCode).toBe(2);

    // Restoring into a home whose botd runs is refused, and changes nothing.
    const target = freshHome();
    const other = startBotd(target);
    await other.waitFor('start-up', (l) => l.msg === 'botd started');
    const before = await snapshotDatabase(target);
    const refused = await botctl(target, ['restore', file]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/Refusing to restore while botd is already running .*pid \d+/);
    expect(refused.stderr).toMatch(/next: +stop botd first/);
    expect(await snapshotDatabase(target)).toEqual(before);
    other.kill('SIGTERM');
    expect((await other.exit).exitCode).toBe(0);
    botd.kill('SIGTERM');
    expect((await botd.exit).exitCode).toBe(0);

    // Not a backup: refused, nothing changed.
    const junk = join(target, 'junk.db');
    writeFileSync(junk, 'not a database');
    const rejected = await botctl(target, ['restore', junk]);
    expect(rejected.exitCode).toBe(2);
    expect(rejected.stderr).toContain(`Expected FILE to be a botctl database backup, got ${junk}`);

    const restored = await botctl(target, ['restore', file, '--json']);
    expect(restored.exitCode).toBe(0);
    const result = restored.json as { runs: number; previous: string };
    expect(result.runs).toBe(runs);
    expect(existsSync(result.previous)).toBe(true);

    // botd starts on the restored home, checks it, and carries on from the restored state.
    const again = startBotd(target);
    await again.waitFor('the database check', (l) => l.msg === 'database checked' && l.quick_check === 'ok', 60_000);
    const next = await again.waitFor('a run on the restored home', (l) => l.msg === 'run finished' && l.status === 'succeeded', 60_000);
    again.kill('SIGTERM');
    expect((await again.exit).exitCode).toBe(0);
    await withDatabase(target, async (db) => {
      const rows = await runsOf(db, sub);
      expect(rows.length).toBeGreaterThan(runs);
      // The counter went on from the backed-up state: one more than the successful runs the backup holds.
      const backedUp = new SQLite(file, { readonly: true });
      const { n } = backedUp.prepare(`SELECT count(*) AS n FROM runs WHERE status = 'succeeded'`).get() as { n: number };
      backedUp.close();
      const first = rows.find((r) => r.id === next.run_id);
      expect(Number(/count is (\d+)/.exec(first?.log_tail ?? '')?.[1])).toBe(n + 1);
    });
  });
});
