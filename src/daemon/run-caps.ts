// What one run may leave in the ledger, whatever its bot sends: signals (count and bytes), state, error text.
// (Its output is bounded by the log tail, log-tail.ts; its channel by the runner's IPC limits.) A run that hits a
// cap says so in its own row: a line at the end of its log tail, or its error. One run once wrote 62 MB of signals.
import type { SignalInput } from '../sdk/types.js';

export const maxSignalsPerRun = 1_000;
/** Signals as stored (their JSON): a template's signal is about 200 bytes. */
export const maxSignalBytesPerRun = 256 * 1024;
/** Below the channel's 1 MiB message limit, so an oversized state fails the run with this reason. */
export const maxStateBytes = 512 * 1024;
/** runs.error: a bot's error message beyond this is cut (its stack goes to the log tail, bounded there). */
export const maxErrorChars = 4_000;

/** The signals a run keeps: the first ones, up to both caps; the rest are counted and dropped. */
export class SignalBudget {
  readonly kept: SignalInput[] = [];
  private bytes = 0;
  private dropped = 0;

  offer(signal: SignalInput): void {
    const size = Buffer.byteLength(JSON.stringify(signal));
    if (this.dropped === 0 && this.kept.length < maxSignalsPerRun && this.bytes + size <= maxSignalBytesPerRun) {
      this.kept.push(signal);
      this.bytes += size;
    } else {
      this.dropped++;
    }
  }

  /** The line the run's log tail ends with when a cap was hit. */
  note(): string | undefined {
    if (this.dropped === 0) return undefined;
    return `[botd] cap hit: ${this.dropped} signals dropped (a run keeps at most ${maxSignalsPerRun} signals and ${maxSignalBytesPerRun / 1024} KiB of them)`;
  }
}

/** Error text for runs.error, cut at maxErrorChars with a note of how much was cut. */
export function cappedError(text: string): string {
  if (text.length <= maxErrorChars) return text;
  return `${text.slice(0, maxErrorChars)}… [cap hit: ${text.length - maxErrorChars} more characters cut by botd]`;
}
