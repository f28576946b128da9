// The last few KiB of what one execution printed (stdout, stderr) and logged (ctx.log), in arrival order.
// Memory stays bounded whatever the bot prints: older bytes are dropped as new ones arrive.

export const defaultLogTailBytes = 64 * 1024;

export class LogTail {
  readonly limit: number;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #dropped = 0;
  #atLineStart = true;

  constructor(limit = defaultLogTailBytes) {
    this.limit = limit;
  }

  /** Raw output from the child's stdout or stderr. */
  write(chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (bytes.length === 0) return;
    this.#atLineStart = bytes[bytes.length - 1] === 0x0a;
    if (bytes.length >= this.limit) {
      // One huge chunk: keep only its end, without holding a reference to the rest.
      this.#dropped += this.#bytes + bytes.length - this.limit;
      this.#chunks = [Buffer.from(bytes.subarray(bytes.length - this.limit))];
      this.#bytes = this.limit;
      return;
    }
    this.#chunks.push(bytes);
    this.#bytes += bytes.length;
    this.#trim();
  }

  /** One whole line (ctx.log, or a note from the runner), never glued to a partial line of raw output. */
  line(text: string): void {
    this.write(`${this.#atLineStart ? '' : '\n'}${text}\n`);
  }

  get droppedBytes(): number {
    return this.#dropped;
  }

  text(): string {
    let text = Buffer.concat(this.#chunks).toString('utf8');
    if (this.#dropped === 0) return text;
    // The cut may fall inside a line or a UTF-8 sequence: start at the next whole line when one is near.
    const newline = text.indexOf('\n');
    if (newline >= 0 && newline < 1024) text = text.slice(newline + 1);
    return `[… ${this.#dropped + (this.#bytes - Buffer.byteLength(text))} earlier bytes dropped …]\n${text}`;
  }

  #trim(): void {
    while (this.#bytes > this.limit) {
      const first = this.#chunks[0];
      if (!first) break;
      const excess = this.#bytes - this.limit;
      if (first.length <= excess) {
        this.#chunks.shift();
        this.#bytes -= first.length;
        this.#dropped += first.length;
      } else {
        // Copy, so the dropped part of a large pipe buffer can be collected.
        this.#chunks[0] = Buffer.from(first.subarray(excess));
        this.#bytes -= excess;
        this.#dropped += excess;
      }
    }
  }
}
