// What a fleet must share, or be refused clearly (issue 12): a database URL with a password never in argv, and on
// PostgreSQL no object store that only one host can read, for botd and for `botctl upload` alike. All refused
// before anything connects (exit 2), so no server is needed, and nothing is written.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { fixtureBots } from '../daemon/helpers.js';
import { botctl, botdBin } from '../support/cli.js';
import { snapshotDatabase } from '../support/db-snapshot.js';
import { useTemporaryHomes } from '../support/home.js';

const freshHome = useTemporaryHomes();
// Nothing listens there: a command that got as far as connecting would fail differently (exit 1).
const url = 'postgres://botd@127.0.0.1:9/botctl';

describe('a fleet refuses what it cannot share', () => {
  it('refuses --database with a password, naming the flag and not echoing the secret', async () => {
    const home = freshHome();
    const r = await botctl(home, ['--database', 'postgres://botd:s3cret-pw@db.internal/botctl', 'subscriptions']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('Expected --database without a password');
    expect(r.stderr).toContain('postgres://botd:***@db.internal/botctl');
    expect(r.stderr).toContain('BOTCTL_DATABASE_URL');
    expect(`${r.stdout}${r.stderr}`).not.toContain('s3cret-pw');
    expect(snapshotDatabase(home)).toEqual({});
  });

  it('refuses a malformed BOTCTL_DATABASE_URL with exit 2, naming the variable', async () => {
    const r = await botctl(freshHome(), ['subscriptions'], { env: { BOTCTL_DATABASE_URL: 'mysql://x@y/z' } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('BOTCTL_DATABASE_URL');
    expect(r.stderr).toContain('postgres://');
  });

  it("refuses `botctl upload` on PostgreSQL into this home's own object folder", async () => {
    const home = freshHome();
    const r = await botctl(home, ['upload', `${fixtureBots}/noop.ts`, '--name', 'n'], { env: { BOTCTL_DATABASE_URL: url } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`Expected an object store every node shares with PostgreSQL 127.0.0.1:9/botctl, got this home's own folder ${home}/objects`);
    expect(r.stderr).toContain('BOTCTL_OBJECTS_DIR');
  });

  it("refuses `botd start` on PostgreSQL with this home's own object folder, before connecting or locking", async () => {
    const home = freshHome();
    const r = await execa(process.execPath, [botdBin, 'start', '--home', home], { env: { BOTCTL_DATABASE_URL: url, NO_COLOR: '1' }, reject: false, stdin: 'ignore' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('Expected an object store every node shares');
    expect(r.stderr).toContain('BOTCTL_S3_BUCKET');
    // With the folder declared shared it gets as far as the database, and says it cannot reach it (exit 1).
    const shared = await execa(process.execPath, [botdBin, 'start', '--home', home], {
      env: { BOTCTL_DATABASE_URL: url, BOTCTL_OBJECTS_DIR: `${home}/shared`, NO_COLOR: '1' },
      reject: false,
      stdin: 'ignore',
    });
    expect(shared.exitCode).toBe(1);
    expect(shared.stderr).toContain('PostgreSQL at 127.0.0.1:9, database botctl');
  });

  it('refuses a relative BOTCTL_OBJECTS_DIR', async () => {
    const r = await botctl(freshHome(), ['upload', `${fixtureBots}/noop.ts`], { env: { BOTCTL_OBJECTS_DIR: 'objects' } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('Expected BOTCTL_OBJECTS_DIR to be an absolute path, got "objects"');
  });
});
