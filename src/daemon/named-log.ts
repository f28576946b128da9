// botd's log lines name the subscription they are about, beside its id, in both formats: `"subscription": "sma"`.
// From botd's directory of names (subscription-names.ts): a line is never held up by the database.
import type { LogFields, Logger } from './log.js';
import type { SubscriptionNames } from './subscription-names.js';

export function withSubscriptionNames(log: Logger, names: SubscriptionNames): Logger {
  const named = (fields: LogFields | undefined): LogFields | undefined => {
    if (fields?.subscription_id === undefined || fields.subscription !== undefined) return fields;
    const name = typeof fields.subscription_id === 'number' ? names.get(fields.subscription_id)?.name : undefined;
    return name ? { ...fields, subscription: name } : fields;
  };
  return {
    debug: (msg, fields) => log.debug(msg, named(fields)),
    info: (msg, fields) => log.info(msg, named(fields)),
    warn: (msg, fields) => log.warn(msg, named(fields)),
    error: (msg, fields) => log.error(msg, named(fields)),
  };
}
