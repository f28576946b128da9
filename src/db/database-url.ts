// Which database botctl and botd use: PostgreSQL when --database or BOTCTL_DATABASE_URL names one, else (undefined)
// the home's SQLite file.
import { invalid } from '../errors.js';
import { parsePostgresUrl, type PostgresUrl } from './postgres-url.js';

/**
 * The database URL: --database (which must not carry a password: argv is visible to every user of the host), else
 * BOTCTL_DATABASE_URL. Checked before anything connects.
 */
export function databaseUrlOf(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): PostgresUrl | undefined {
  if (flag !== undefined) {
    const url = parsePostgresUrl(flag, '--database');
    if (url.hasPassword) {
      throw invalid(
        `Expected --database without a password (argv is visible to every user of this host), got ${url.shown}.`,
        'put the URL in BOTCTL_DATABASE_URL (an EnvironmentFile= under systemd), or leave the password out and use ~/.pgpass or PGPASSWORD',
      );
    }
    return url;
  }
  const fromEnv = env.BOTCTL_DATABASE_URL;
  return fromEnv ? parsePostgresUrl(fromEnv, 'BOTCTL_DATABASE_URL') : undefined;
}
