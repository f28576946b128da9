// botd's log on a terminal: one readable line per entry, in the manner of pino-pretty, instead of JSON:
//   09:01:00 INFO  run finished  sma (1)  run 12  succeeded  487 ms
//   09:02:00 WARN  run finished  liner (3)  run 13  failed  120 ms  error: no edge on BTC/USDT
// then the entry's other fields as key=value, dimmed. Text that came from a bot (an error) is shown visibly.
import { Chalk } from 'chalk';
import { visible } from '../text/control-chars.js';
import { formattedLogger, type LogEntry, type Logger, type LogLevel } from './log.js';

const levelTone: Record<LogLevel, 'dim' | 'green' | 'yellow' | 'red'> = { debug: 'dim', info: 'green', warn: 'yellow', error: 'red' };
const statusTone: Record<string, 'green' | 'red' | 'yellow' | 'dim'> = {
  succeeded: 'green',
  failed: 'red',
  crashed: 'red',
  timed_out: 'yellow',
  abandoned: 'yellow',
  skipped: 'dim',
};
/** Fields the line itself shows; the rest follow as key=value. */
const shown = new Set(['time', 'level', 'msg', 'subscription', 'subscription_id', 'run_id', 'status', 'duration_ms', 'error']);

export function prettyLogger(options: { write?: (line: string) => void; colour: 0 | 1; level?: LogLevel }): Logger {
  const paint = new Chalk({ level: options.colour });
  const format = (entry: LogEntry): string => {
    const parts = [paint.dim(entry.time.slice(11, 19)), paint[levelTone[entry.level]](entry.level.toUpperCase().padEnd(5)), visible(entry.msg)];
    if (entry.subscription_id !== undefined) {
      const name = typeof entry.subscription === 'string' ? visible(entry.subscription) : undefined;
      parts.push(paint.bold(name ? `${name} (${entry.subscription_id})` : `subscription ${entry.subscription_id}`));
    }
    if (typeof entry.run_id === 'number') parts.push(`run ${entry.run_id}`);
    if (typeof entry.status === 'string') parts.push(paint[statusTone[entry.status] ?? 'reset'](visible(entry.status)));
    if (typeof entry.duration_ms === 'number') parts.push(`${entry.duration_ms} ms`);
    if (entry.error !== undefined) parts.push(paint.red(`error: ${visible(String(entry.error))}`));
    const rest = Object.entries(entry).filter(([key, value]) => !shown.has(key) && value !== undefined && value !== null);
    if (rest.length) parts.push(paint.dim(rest.map(([key, value]) => `${key}=${visible(typeof value === 'string' ? value : JSON.stringify(value) ?? '')}`).join(' ')));
    return parts.join('  ');
  };
  return formattedLogger(format, options.write ?? ((line) => process.stdout.write(line)), options.level);
}
