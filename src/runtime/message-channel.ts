// Framing of the channel between botd and one bot execution: one JSON message per line over the child's fd 3
// (a socketpair on Unix), instead of Node's IPC channel, whose reader buffers a message of any size until its
// newline. Used by both sides; bundled into every bot, so it imports nothing.

/** The channel's file descriptor in the child: stdio[3] of the spawn. */
export const channelFd = 3;

/** One message as written to the channel. JSON escapes every newline inside strings, so a line is a message. */
export function encodeMessage(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}

/**
 * Splits a byte stream into lines (without their newline), holding at most `maxLineBytes` of an unfinished
 * line: bytes are counted as they arrive, so a line that never ends costs no more than the limit.
 */
export class LineDecoder {
  readonly maxLineBytes: number;
  #parts: Buffer[] = [];
  #pending = 0;
  #overflowed = false;

  constructor(maxLineBytes = Number.POSITIVE_INFINITY) {
    this.maxLineBytes = maxLineBytes;
  }

  /** True once a line went over the limit; the decoder then drops everything. */
  get overflowed(): boolean {
    return this.#overflowed;
  }

  /** The lines this chunk completes, in order; empty lines are skipped. Stops at a line over the limit. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    while (!this.#overflowed) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      if (this.#pending + (end - start) > this.maxLineBytes) {
        this.#overflowed = true;
        this.#parts = [];
        this.#pending = 0;
        break;
      }
      if (newline === -1) {
        if (end > start) {
          this.#parts.push(chunk.subarray(start));
          this.#pending += end - start;
        }
        break;
      }
      const tail = chunk.subarray(start, newline);
      const line = this.#parts.length > 0 ? Buffer.concat([...this.#parts, tail]) : tail;
      this.#parts = [];
      this.#pending = 0;
      // Splitting at 0x0a is safe in UTF-8: that byte never occurs inside a multi-byte sequence.
      if (line.length > 0) lines.push(line.toString('utf8'));
      start = newline + 1;
    }
    return lines;
  }
}
