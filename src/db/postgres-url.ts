// A PostgreSQL URL as an operator gives it (`postgres://user@host:port/database`), checked before anything
// connects, and shown only without its password: messages, logs and --json name the server, never the secret.
import { invalid } from '../errors.js';

export interface PostgresUrl {
  /** The URL as given: for the driver only, never printed. */
  url: string;
  /** The URL with any password replaced by `***`: what messages show. */
  shown: string;
  hasPassword: boolean;
  /** Host and port, or the socket folder (`?host=/run/postgresql`). */
  server: string;
  database: string;
  user: string;
}

/** How messages, logs and --json name a PostgreSQL database: server and database, never the password. */
export function postgresLocation(target: PostgresUrl): string {
  return `PostgreSQL ${target.server}/${target.database}`;
}

/** `***` in place of the password, for any text that may carry the URL. */
export function redactUrl(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
}

/** Parses and checks a postgres:// URL; `field` names where it came from in messages (e.g. `--to`). */
export function parsePostgresUrl(text: string, field: string): PostgresUrl {
  const trimmed = text.trim();
  const shown = redactUrl(trimmed);
  if (!trimmed) throw invalid(`Expected a PostgreSQL URL in ${field} (postgres://USER@HOST:PORT/DATABASE), got nothing.`);
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw invalid(`Expected a PostgreSQL URL in ${field} (postgres://USER@HOST:PORT/DATABASE), got "${shown}", which is not a URL.`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw invalid(`Expected the scheme postgres:// or postgresql:// in ${field}, got "${url.protocol.replace(/:$/, '')}" (${shown}).`);
  }
  const socketHost = url.searchParams.get('host');
  if (!url.hostname && !socketHost) throw invalid(`Expected a host in ${field} (postgres://USER@HOST:PORT/DATABASE), got none (${shown}).`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) {
    throw invalid(`Expected a database name in ${field}, the path after the host (postgres://USER@HOST:PORT/DATABASE), got "${url.pathname}" (${shown}).`);
  }
  return {
    url: trimmed,
    shown,
    hasPassword: url.password !== '',
    server: url.hostname ? `${url.hostname}:${url.port || '5432'}` : String(socketHost),
    database,
    user: decodeURIComponent(url.username) || '(the operating-system user)',
  };
}
