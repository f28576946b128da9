// botd's log lines name the subscription they are about, beside its id, in both formats: `"subscription": "sma"`.
// Read when the line is written (one indexed lookup), so a renamed subscription is named as it is now.
import type { Connection } from '../db/open.js';
import type { LogFields, Logger } from './log.js';

export function withSubscriptionNames(log: Logger, sqlite: Connection['sqlite']): Logger {
  const query = sqlite.prepare<[number], { name: string | null }>('SELECT name FROM subscriptions WHERE id = ?');
  const named = (fields: LogFields | undefined): LogFields | undefined => {
    if (fields?.subscription_id === undefined || fields.subscription !== undefined) return fields;
    let name: string | null | undefined;
    try {
      name = query.get(fields.subscription_id)?.name;
    } catch {
      // The database is closed (botd stopping) or busy: the line goes out with the id alone.
    }
    return name ? { ...fields, subscription: name } : fields;
  };
  return {
    debug: (msg, fields) => log.debug(msg, named(fields)),
    info: (msg, fields) => log.info(msg, named(fields)),
    warn: (msg, fields) => log.warn(msg, named(fields)),
    error: (msg, fields) => log.error(msg, named(fields)),
  };
}
