import { resolveHome } from '../home.js';
import type { Connection } from '../db/open.js';

// What every command handler receives: the resolved home and a lazily opened database.
export interface CommandContext {
  home: string;
  json: boolean;
  database(): Promise<Connection>;
  close(): Promise<void>;
}

export function createContext(options: { home?: string; json?: boolean }): CommandContext {
  const home = resolveHome(options.home);
  let connection: Promise<Connection> | undefined;
  return {
    home,
    json: Boolean(options.json),
    database() {
      connection ??= import('../db/open.js').then(({ openDatabase }) => openDatabase(home));
      return connection;
    },
    async close() {
      // A database that failed to open has nothing to close; its error was reported by the command.
      const opened = await connection?.catch(() => undefined);
      await opened?.close();
    },
  };
}
