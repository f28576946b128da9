// The child's end of the channel to its parent, shared by one execution (child.ts) and a backtest (backtest-loop.ts):
// the parent's messages decoded line by line, exchange calls sent with an id and settled by the parent's reply, and
// the simulated clock told how many calls are waiting (sim-clock.ts: its timers wait for the answers).
// Bundled into every bot, so it imports only the SDK's errors and the channel's framing.
import type { Duplex } from 'node:stream';
import { exchangeErrorFrom } from '../sdk/errors.js';
import { encodeMessage, LineDecoder } from './message-channel.js';
import type { ExchangeReply } from './protocol.js';
import type { SimClock } from './sim-clock.js';

export interface PendingCalls {
  /** Sends one message; a value JSON cannot hold throws here, in the caller. */
  send(message: unknown): void;
  /** Sends an exchange call (`extra` adds fields, such as a backtest's slot) and resolves with the parent's reply. */
  call(method: string, args: unknown[], extra?: Record<string, unknown>): Promise<never>;
  /** The simulated clock told of calls waiting, once the run has one. */
  useClock(clock: SimClock): void;
  /**
   * Writes a last message once the child's output is written, then calls `ended` (the child kills itself). The
   * channel is left open: a child that closed it would exit by itself, and Node would run the bot's exit handlers on
   * the way. The parent also ends the child's processes when it reads the message (daemon/supervise.ts,
   * backtest/child-driver.ts), should `ended` not.
   */
  finish(message: unknown): void;
}

/**
 * Reads the parent's messages from `channel`: each line parsed as JSON (a line that is not JSON, or not an object
 * with a type, is dropped: the channel is the parent's, but nothing it sends may throw out of this handler), replies
 * settled here and everything else passed to `onMessage`.
 */
export function pendingCalls(channel: Duplex, signal: AbortSignal, onMessage: (message: { type: string }) => void, ended: () => void = () => {}): PendingCalls {
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextCallId = 1;
  let clock: SimClock | undefined;
  const decoder = new LineDecoder();
  // The parent went away or closed the channel: there is no one left to report to.
  channel.on('error', () => {});
  channel.on('data', (chunk: Buffer) => {
    for (const line of decoder.push(chunk)) {
      const message = parsed(line);
      if (!message) continue;
      if (message.type === 'exchange-reply') settle(message as unknown as ExchangeReply);
      else onMessage(message);
    }
  });

  function settle(reply: ExchangeReply): void {
    const call = pending.get(reply.id);
    if (!call) return;
    pending.delete(reply.id);
    clock?.busy(-1);
    if (reply.ok) call.resolve(reply.value);
    // Typed: the bot can test `instanceof RiskRejected`, `InsufficientFunds`, … from 'botctl/sdk'.
    else call.reject(exchangeErrorFrom(reply.error));
  }

  const send = (message: unknown): void => {
    const line = encodeMessage(message);
    if (channel.writable) channel.write(line);
  };

  return {
    send,
    call(method, args, extra) {
      if (signal.aborted) return Promise.reject(signal.reason as Error);
      const id = nextCallId++;
      return new Promise((resolve, reject) => {
        // Serialised before it is counted as waiting: arguments JSON cannot hold reject the call and leave nothing.
        const line = encodeMessage({ type: 'exchange-call', id, ...extra, method, args });
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        clock?.busy(1);
        if (channel.writable) channel.write(line);
      });
    },
    useClock(c) {
      clock = c;
    },
    finish(message) {
      // Serialised now, so a value JSON cannot hold throws in the caller (a run's try: a failed run).
      const line = encodeMessage(message);
      // Sent only once what the bot printed has left this process. Writes to a pipe are queued in the child
      // (100 MB of output measured 20 MB still queued when the bot returned), and botd kills a child the moment it
      // has reported (supervise.ts): on a loaded machine the end of the output was lost.
      void outputWritten().then(() => {
        if (channel.writable) channel.write(line, () => ended());
      });
    },
  };
}

// Resolves when everything written to stdout and stderr so far has been handed to the pipes: an empty write's
// callback runs after those queued before it (or with an error, when the pipe is gone).
function outputWritten(): Promise<unknown> {
  const written = (stream: NodeJS.WriteStream) =>
    stream.writableLength === 0 ? undefined : new Promise<void>((resolve) => stream.write('', () => resolve()));
  return Promise.all([written(process.stdout), written(process.stderr)]);
}

function parsed(line: string): { type: string } | undefined {
  try {
    const message: unknown = JSON.parse(line);
    if (typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string') return message as { type: string };
  } catch {
    // Not JSON: dropped, as a line the parent cannot have meant.
  }
  return undefined;
}
