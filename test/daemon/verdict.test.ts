// The verdict rules on their own: how a child ended → the run's status and error. No child is spawned; the
// end-to-end cases (a real timeout, crash, OOM, sandbox refusal) are in runner.test.ts.
import { describe, expect, it } from 'vitest';
import { LogTail } from '../../src/daemon/log-tail.js';
import { judge, maxStateBytes, type ChildEnd } from '../../src/daemon/verdict.js';

function end(fields: Partial<ChildEnd> = {}): ChildEnd {
  return { result: undefined, exitCode: 0, signal: null, timedOut: false, cancelled: false, tail: new LogTail(), signals: [], timeoutMs: 1_000, ...fields };
}
const ok = (state: Record<string, unknown>) => ({ type: 'result' as const, ok: true as const, state });
const threw = (error: { name: string; message: string; stack?: string; code?: string; permission?: string; resource?: string }, kind: 'config' | 'error' = 'error') =>
  ({ type: 'result' as const, ok: false as const, kind, error });

describe('verdict', () => {
  it('succeeds with the state the bot returned', () => {
    expect(judge(end({ result: ok({ n: 1 }) }), 64)).toEqual({ status: 'succeeded', error: null, state: { n: 1 } });
  });

  it(`fails a run whose state is over ${maxStateBytes} bytes, keeping none of it`, () => {
    const verdict = judge(end({ result: ok({ big: 'x'.repeat(maxStateBytes) }) }), 64);
    expect(verdict.status).toBe('failed');
    expect(verdict.error).toMatch(/^the bot's state is \d+ bytes, more than the 524288 a run may keep$/);
    expect(verdict.state).toBeUndefined();
  });

  it('puts the earlier causes first: spawn error, not started, channel violation, then timeout over a late result', () => {
    const all = { spawnError: 'EAGAIN', notStarted: { status: 'skipped' as const, error: 'paused before its slot' }, violation: 'too much', timedOut: true, result: ok({}) };
    expect(judge(end(all), 64)).toEqual({ status: 'crashed', error: 'the child process could not start: EAGAIN' });
    const { spawnError: _s, ...started } = all;
    expect(judge(end(started), 64)).toEqual({ status: 'skipped', error: 'paused before its slot' });
    const { notStarted: _n, ...violated } = started;
    expect(judge(end(violated), 64)).toEqual({ status: 'failed', error: 'too much' });
    const { violation: _v, ...timedOut } = violated;
    expect(judge(end({ ...timedOut, stopped: 'killed' }), 64)).toEqual({
      status: 'timed_out',
      error: 'timed out after 1000 ms (killed by SIGKILL after ignoring SIGTERM)',
    });
    expect(judge(end({ ...timedOut, stopped: 'exited' }), 64).error).toBe('timed out after 1000 ms');
  });

  it("reports the bot's error as it threw it, with the sandbox's refusal, and keeps its stack in the tail", () => {
    const tail = new LogTail();
    const refused = threw({ name: 'Error', message: 'Access to this API has been restricted', code: 'ERR_ACCESS_DENIED', permission: 'FileSystemRead', resource: '/etc/passwd', stack: 'Error: at bot.ts:3' });
    expect(judge(end({ result: refused, tail }), 64)).toEqual({
      status: 'failed',
      error: 'ERR_ACCESS_DENIED: Access to this API has been restricted (FileSystemRead: /etc/passwd)',
    });
    expect(tail.text()).toContain('Error: at bot.ts:3');
    expect(judge(end({ result: threw({ name: 'TypeError', message: 'boom' }) }), 64).error).toBe('TypeError: boom');
    expect(judge(end({ result: threw({ name: 'Error', message: 'boom' }) }), 64).error).toBe('boom');
    expect(judge(end({ result: threw({ name: 'RangeError', message: 'x', code: 'E1' }) }), 64).error).toBe('RangeError [E1]: x');
    // Node 20 names no resource for a refused spawn.
    expect(judge(end({ result: threw({ name: 'Error', message: 'no', code: 'ERR_ACCESS_DENIED', permission: 'ChildProcess', resource: '' }) }), 64).error).toBe(
      'ERR_ACCESS_DENIED: no (ChildProcess)',
    );
  });

  it("reports a config the bot's schema refused by its message alone", () => {
    expect(judge(end({ result: threw({ name: 'ConfigError', message: 'fast: expected number' }, 'config') }), 64)).toEqual({ status: 'failed', error: 'fast: expected number' });
  });

  it('abandons a run botd stopped, saying how its processes ended', () => {
    expect(judge(end({ cancelled: true, exitCode: null, signal: 'SIGTERM', stopped: 'terminated' }), 64)).toEqual({
      status: 'abandoned',
      error: 'botd stopped before the run finished (stopped by SIGTERM)',
    });
    // A bot that reported before the shutdown reached it keeps its verdict.
    expect(judge(end({ cancelled: true, result: ok({}) }), 64).status).toBe('succeeded');
  });

  it('names an exhausted heap as out of memory, at the configured limit', () => {
    const tail = new LogTail();
    tail.write('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n');
    expect(judge(end({ tail, exitCode: null, signal: 'SIGABRT' }), 96)).toEqual({ status: 'crashed', error: 'out of memory: the JavaScript heap reached its 96 MB limit' });
  });

  it("names a kill by the child's cgroup as out of memory, not as a bare SIGKILL, even during a shutdown", () => {
    const outOfMemory = 'killed by the kernel: the child reached its memory budget of 512 MB (heap and everything outside it; cgroup v1)';
    expect(judge(end({ outOfMemory, exitCode: null, signal: 'SIGKILL' }), 256)).toEqual({ status: 'crashed', error: `out of memory: ${outOfMemory}` });
    expect(judge(end({ outOfMemory, cancelled: true, signal: 'SIGKILL' }), 256).error).toBe(`out of memory: ${outOfMemory}`);
  });

  it('names a failed native allocation (Node 24 under the address-space cap) as out of memory too', () => {
    const tail = new LogTail();
    tail.write("terminate called after throwing an instance of 'std::bad_alloc'\n  what():  std::bad_alloc\n");
    expect(judge(end({ tail, exitCode: null, signal: 'SIGABRT' }), 48)).toEqual({
      status: 'crashed',
      error: "out of memory: a native allocation failed (std::bad_alloc) under the child's memory cap, at a 48 MB heap cap",
    });
  });

  it("names V8's own failed allocation outside the heap (a compiler zone under the address-space cap) as out of memory", () => {
    const tail = new LogTail();
    tail.write('\n<--- Last few GCs --->\n\nFATAL ERROR: Zone Allocation failed - process out of memory\n----- Native stack trace -----\n\n 1: 0x9434f0  [node]\n');
    expect(judge(end({ tail, exitCode: null, signal: 'SIGABRT' }), 48)).toEqual({
      status: 'crashed',
      error: "out of memory: zone allocation failed under the child's memory cap, at a 48 MB heap cap",
    });
  });

  it('reports an exit without a result with its code or signal and the last line printed, cut at 300 characters', () => {
    const tail = new LogTail();
    tail.write(`first\n${'w'.repeat(400)}\n\n`);
    expect(judge(end({ tail, exitCode: 3 }), 64).error).toBe(`exited with code 3 without reporting a result: ${'w'.repeat(300)}…`);
    expect(judge(end({ exitCode: null, signal: 'SIGKILL' }), 64)).toEqual({ status: 'crashed', error: 'ended by SIGKILL without reporting a result' });
  });
});
