// vitest's globalSetup: with TEST_DATABASE=postgres, one real PostgreSQL for the whole run (started before the
// workers, which inherit its URL in TEST_POSTGRES_URL, and stopped after them), so that test/support/database.ts
// hands every test a fresh database on it. Without TEST_DATABASE it does nothing. (No vitest import here: a
// globalSetup runs outside the workers.)
import { debianBinDir, startPostgresServer } from '../../scripts/postgres-server.js';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.TEST_DATABASE !== 'postgres') return undefined;
  const bin = process.env.POSTGRES_BIN ?? debianBinDir();
  if (!bin) throw new Error('TEST_DATABASE=postgres, but no PostgreSQL in /usr/lib/postgresql (apt-get install postgresql, or POSTGRES_BIN)');
  const server = await startPostgresServer(bin);
  process.env.TEST_POSTGRES_URL = server.url();
  return () => server.stop();
}
