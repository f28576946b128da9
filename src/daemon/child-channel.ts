// botd's end of the message channel to one bot child (fd 3, a socketpair; framing in message-channel.ts):
// what it reads, what it serves, and the limits that keep a hostile bot from costing botd memory or time.
// botd holds at most one unfinished message (counted as it streams in) and one read's worth of finished ones;
// past a limit the bot is stopped and the run fails. Exchange calls are served at most `maxCallsInFlight` at
// once, and while replies pile up unread in the socket nothing more is served: further messages wait unread
// in the child, so flow control is the kernel's socket buffer, not botd's memory.
import type { Duplex } from 'node:stream';
import type { ExchangeSession } from '../broker/session.js';
import { encodeMessage, LineDecoder } from '../runtime/message-channel.js';
import type { ChildMessage, ExchangeCall, ParentMessage, ResultMessage } from '../runtime/protocol.js';
import type { SignalInput } from '../sdk/types.js';
import { safeJson, validResult, validSignal } from './child-messages.js';
import type { LogTail } from './log-tail.js';
import { SignalBudget } from './run-caps.js';
import { errorText } from './log.js';

export const maxMessageBytes = 1024 * 1024;
export const maxMessagesPerRun = 100_000;
export const maxChannelBytesPerRun = 64 * 1024 * 1024;
/** Exchange calls served at once: further messages wait unread (in the child) until one returns. */
export const maxCallsInFlight = 16;
/** Past this, further exchange calls of the run are refused in the bot. */
export const maxExchangeCallsPerRun = 10_000;
/** Replies the child has not read yet: past this, botd serves nothing more until they drain. */
export const maxUnreadReplyBytes = 8 * 1024 * 1024;
export { maxSignalsPerRun } from './run-caps.js';

export interface ChannelHooks {
  /** Serves ctx.exchange. */
  session: ExchangeSession;
  /** Log lines and botd's notes about the channel go here. */
  tail: LogTail;
  /** A result message arrived (the first one is kept in `result`). */
  onResult(): void;
  /** The bot broke a limit; the channel is already closed and `violation` says which limit. */
  onViolation(): void;
}

export class ChildChannel {
  /** The bot's report, once it has sent one. */
  result: ResultMessage | undefined;
  /** The limit the bot broke, if it broke one. */
  violation: string | undefined;
  readonly #signals = new SignalBudget();
  /** The signals the run keeps (run-caps.ts). */
  readonly signals: SignalInput[] = this.#signals.kept;
  /** The line the run's log tail ends with when the bot sent more signals than a run keeps. */
  capNote(): string | undefined {
    return this.#signals.note();
  }
  // Finished lines not handled yet: at most one read's worth, as reading pauses while they wait.
  #queue: string[] = [];
  #next = 0;
  #messages = 0;
  #bytes = 0;
  #inFlight = 0;
  #exchangeCalls = 0;
  #childGone = false;
  readonly #decoder = new LineDecoder(maxMessageBytes);

  constructor(
    private readonly socket: Duplex,
    private readonly hooks: ChannelHooks,
  ) {
    // Errors on it mean the child closed its end or is gone: its exit tells the rest.
    socket.on('error', () => {});
    socket.on('drain', () => this.#pump());
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
  }

  send(message: ParentMessage): void {
    // A bot that has reported closes its end: nothing more is written to it.
    if (this.result || this.violation || !this.socket.writable) return;
    let line: string;
    try {
      line = encodeMessage(message);
    } catch (error) {
      this.hooks.tail.line(`[botd] could not send ${message.type} to the bot: ${errorText(error)}`);
      if (message.type === 'exchange-reply' && message.ok) {
        this.send({ type: 'exchange-reply', id: message.id, ok: false, error: { name: 'ExchangeError', message: `botd could not send the reply: ${errorText(error)}` } });
      }
      return;
    }
    this.socket.write(line);
  }

  /** The child has exited: nothing is read by a child that is gone, so what it sent is handled regardless. */
  childExited(): void {
    this.#childGone = true;
    this.#pump();
  }

  /** Closes botd's end (a child that was never started exits on its own when it sees this). */
  close(): void {
    this.socket.destroy();
  }

  #read(chunk: Buffer): void {
    if (this.violation) return;
    this.#bytes += chunk.length;
    for (const line of this.#decoder.push(chunk)) this.#queue.push(line);
    if (this.#decoder.overflowed) this.#violate(`the bot sent an IPC message over ${mib(maxMessageBytes)} (botd's limit)`);
    else if (this.#bytes > maxChannelBytesPerRun) this.#violate(`the bot sent more than ${mib(maxChannelBytesPerRun)} of IPC messages in one run (botd's limit)`);
    else this.#pump();
  }

  #throttled(): boolean {
    return !this.#childGone && (this.#inFlight >= maxCallsInFlight || this.socket.writableLength > maxUnreadReplyBytes);
  }

  #pump(): void {
    while (this.#next < this.#queue.length && !this.violation && !this.#throttled()) this.#handle(this.#queue[this.#next++] ?? '');
    if (this.#next >= this.#queue.length) {
      this.#queue = [];
      this.#next = 0;
    }
    if (this.violation) return;
    if (this.#queue.length > 0) this.socket.pause();
    else this.socket.resume();
  }

  // Stop reading (nothing more of it is buffered) and let the supervisor stop the bot's processes.
  #violate(error: string): void {
    if (this.violation) return;
    this.violation = error;
    this.#queue = [];
    this.#next = 0;
    this.socket.destroy();
    this.hooks.tail.line(`[botd] ${error}: the bot was stopped`);
    this.hooks.onViolation();
  }

  #handle(line: string): void {
    if (++this.#messages > maxMessagesPerRun) return this.#violate(`the bot sent more than ${maxMessagesPerRun} IPC messages in one run (botd's limit)`);
    try {
      this.#receive(JSON.parse(line) as ChildMessage);
    } catch {
      // Not JSON, or a value built to throw when read (a `toString` that is not a function): never botd's problem.
      this.hooks.tail.line('[botd] a malformed IPC message was ignored');
    }
  }

  #receive(message: ChildMessage): void {
    const { tail } = this.hooks;
    switch (message?.type) {
      case 'exchange-call':
        void this.#serve(message);
        break;
      case 'log':
        tail.line(`${String(message.level).toUpperCase()} ${String(message.message)}${message.fields ? ` ${safeJson(message.fields)}` : ''}`);
        break;
      case 'signal': {
        const signal = validSignal(message.signal);
        if (!signal) tail.line('[botd] a malformed signal was ignored');
        else this.#signals.offer(signal);
        break;
      }
      case 'result':
        this.result ??= validResult(message);
        this.hooks.onResult();
        break;
    }
  }

  async #serve(call: ExchangeCall): Promise<void> {
    if (++this.#exchangeCalls > maxExchangeCallsPerRun) {
      const method = typeof call.method === 'string' ? call.method.slice(0, 100) : '?';
      const message = `ctx.exchange.${method}() refused: botd serves at most ${maxExchangeCallsPerRun} exchange calls per run`;
      this.send({ type: 'exchange-reply', id: call.id, ok: false, error: { name: 'ExchangeError', message } });
      return;
    }
    this.#inFlight++;
    try {
      const value = await this.hooks.session.call(call.method, Array.isArray(call.args) ? call.args : []);
      this.send({ type: 'exchange-reply', id: call.id, ok: true, value });
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      this.send({ type: 'exchange-reply', id: call.id, ok: false, error: { name: e.name, message: e.message } });
    } finally {
      this.#inFlight--;
      this.#pump();
    }
  }
}

function mib(bytes: number): string {
  return `${bytes / 1024 / 1024} MiB`;
}
