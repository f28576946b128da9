// Writing a run's outcome when the database refuses for a while (disk full, I/O trouble, a long lock). The
// child has ended and its outcome (status, state, orders, signals) is in memory: dropping it would lose what
// the bot did, so botd keeps it and tries again, logging each failure at error level with the cause, until
// the write commits (space came back) or botd is told to stop. `botctl run` tries briefly, then exits 1
// naming the cause; its row stays `running` and the next botd start records it `abandoned`.
import { BotctlError } from '../errors.js';
import { databaseErrorNext, databaseErrorText, isTransientStorageError } from '../db/database-error.js';
import type { LogFields, Logger } from './log.js';

export interface OutcomeRetry {
  log: Logger;
  /** The database (file or server), for the messages. */
  file: string;
  /** How long to keep trying; Infinity for botd. */
  retryForMs: number;
  /** Once aborted (botd stopping), one more attempt, then give up. */
  cancel?: AbortSignal | undefined;
  fields: LogFields;
}

/** botd: until written. `botctl run`: a few seconds. */
export const defaultOutcomeRetryMs = 5_000;
const firstWaitMs = 500;
// Short enough that botd notices returning space within seconds, long enough not to flood the log.
const maxWaitMs = 10_000;

export async function writeDurably<T>(write: () => Promise<T>, retry: OutcomeRetry): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const written = await write();
      if (attempt > 1) retry.log.info('run outcome written after retries', { ...retry.fields, attempts: attempt });
      return written;
    } catch (error) {
      if (!isTransientStorageError(error)) throw error;
      const waitMs = Math.min(firstWaitMs * 2 ** (attempt - 1), maxWaitMs);
      const giveUp = retry.cancel?.aborted === true || Date.now() - started + waitMs > retry.retryForMs;
      retry.log.error('run outcome could not be written', {
        ...retry.fields,
        attempt,
        error: databaseErrorText(error, retry.file),
        next: giveUp ? 'giving up: the row stays running and the next botd start records it abandoned' : `retrying in ${waitMs} ms`,
      });
      if (giveUp) {
        const hint = databaseErrorNext(error, retry.file);
        throw new BotctlError('runtime_failure', `The run's outcome could not be recorded: ${databaseErrorText(error, retry.file)}`, {
          cause: error,
          ...(hint ? { hint } : {}),
        });
      }
      await pause(waitMs, retry.cancel);
    }
  }
}

function pause(ms: number, cancel: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      cancel?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    cancel?.addEventListener('abort', done, { once: true });
  });
}
