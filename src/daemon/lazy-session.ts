// The broker's session is opened on the bot's first ctx.exchange call: a run that never trades neither waits
// for the broker nor depends on it. If it cannot be opened, that call (and later ones) fail inside the bot.
import type { ExchangeSession } from '../broker/session.js';
import { errorText } from './log.js';

export function lazySession(open: () => Promise<ExchangeSession>): ExchangeSession {
  let opening: Promise<ExchangeSession> | undefined;
  let opened: ExchangeSession | undefined;
  return {
    async call(method, args) {
      opening ??= open().then(
        (session) => (opened = session),
        (error: unknown) => {
          const failure = new Error(`ctx.exchange.${method}() failed: the exchange session could not be opened: ${errorText(error)}`);
          failure.name = error instanceof Error && error.name !== 'Error' ? error.name : 'ExchangeNotAvailable';
          throw failure;
        },
      );
      return (await opening).call(method, args);
    },
    orders: () => opened?.orders() ?? [],
    commit: () => opened?.commit?.(),
    close: async () => {
      await opened?.close?.();
    },
  };
}
