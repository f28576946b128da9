// The one place botd and `botctl run` get their broker from, so both serve ctx.exchange the same way.
// broker.ts is loaded here, lazily, and ccxt only when a session first needs a client.
import type { Connection } from '../db/open.js';
import type { ExchangeBroker } from './session.js';

export async function openBroker(home: string, connection: Connection): Promise<ExchangeBroker> {
  const { createBroker } = await import('./broker.js');
  const broker = createBroker({ db: connection.db, home });
  // The ccxt clients hold keep-alive sockets (and websockets, if any): released when the process is done.
  return { sessions: broker.factory, close: () => broker.clients.close() };
}
