// How a child ended, and the run status and error that follow from it. Pure: no process, no database, so the
// rules are tested on their own (test/daemon/verdict.test.ts) beside the end-to-end runs.
import type { BotError, ResultMessage } from '../runtime/protocol.js';
import type { SignalInput } from '../sdk/types.js';
import type { FinalStatus } from './ledger.js';
import type { LogTail } from './log-tail.js';
import type { GroupEnd } from './process-group.js';
import { cappedError, maxStateBytes } from './run-caps.js';
import type { NotStarted } from './start-message.js';

export { maxStateBytes } from './run-caps.js';

export interface ChildEnd {
  spawnError?: string;
  /** The child was spawned ahead of its slot and never started (see Begin). */
  notStarted?: NotStarted;
  timeoutMs: number;
  /** The bot broke a limit of its channel and was stopped. */
  violation?: string;
  result: ResultMessage | undefined;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  /** The kernel killed the child for its cgroup's memory budget (src/sandbox/run-cgroup.ts): why, in a sentence. */
  outOfMemory?: string;
  /** How the process group ended when botd had to stop it. */
  stopped?: GroupEnd | 'exited';
  tail: LogTail;
  signals: SignalInput[];
}

export interface Verdict {
  status: FinalStatus;
  error: string | null;
  state?: Record<string, unknown>;
}

// Maps how the child ended to a run status. Order matters: a run past its timeout is `timed_out` even if
// the bot then returned; a shutdown that had to stop the child is `abandoned`.
export function judge(end: ChildEnd, heapMb: number): Verdict {
  const { timeoutMs } = end;
  const how = end.stopped && end.stopped !== 'exited' && end.stopped !== 'gone' ? ` (${stoppedText(end.stopped)})` : '';
  if (end.spawnError) return { status: 'crashed', error: `the child process could not start: ${end.spawnError}` };
  if (end.notStarted) return { status: end.notStarted.status, error: end.notStarted.error };
  if (end.violation) return { status: 'failed', error: end.violation };
  if (end.timedOut) return { status: 'timed_out', error: `timed out after ${timeoutMs} ms${how}` };
  if (end.result?.ok) {
    const size = JSON.stringify(end.result.state).length;
    if (size > maxStateBytes) return { status: 'failed', error: `the bot's state is ${size} bytes, more than the ${maxStateBytes} a run may keep` };
    return { status: 'succeeded', error: null, state: end.result.state };
  }
  if (end.result && !end.result.ok) {
    const { stack } = end.result.error;
    if (stack) end.tail.line(cappedError(stack));
    return { status: 'failed', error: cappedError(end.result.kind === 'config' ? end.result.error.message : errorRecord(end.result.error)) };
  }
  if (end.outOfMemory) return { status: 'crashed', error: `out of memory: ${end.outOfMemory}` };
  if (end.cancelled) return { status: 'abandoned', error: `botd stopped before the run finished${how}` };
  const output = end.tail.text();
  if (/heap out of memory|Reached heap limit/.test(output)) {
    return { status: 'crashed', error: `out of memory: the JavaScript heap reached its ${heapMb} MB limit` };
  }
  // Node 24 reserves more address space than 20 and 22: under the sandbox's RLIMIT_AS a growing heap can fail a
  // native allocation before V8 reports its own limit, either in C++ (std::bad_alloc) or in V8 itself
  // ("FATAL ERROR: Zone Allocation failed - process out of memory", when the compiler's zone cannot grow).
  const native = /std::bad_alloc|FATAL ERROR: (.*) - process out of memory/.exec(output);
  if (native) {
    const what = native[1] ? native[1].toLowerCase() : 'a native allocation failed (std::bad_alloc)';
    return { status: 'crashed', error: `out of memory: ${what} under the child's memory cap, at a ${heapMb} MB heap cap` };
  }
  const cause = end.signal ? `ended by ${end.signal}` : `exited with code ${end.exitCode}`;
  const last = lastLine(output);
  return { status: 'crashed', error: `${cause} without reporting a result${last ? `: ${last}` : ''}` };
}

// 'boom', 'TypeError: boom', 'ERR_ACCESS_DENIED: Access to this API has been restricted (FileSystemRead: /etc/passwd)'.
function errorRecord({ name, message, code, permission, resource }: BotError): string {
  const label = code ? (name === 'Error' ? code : `${name} [${code}]`) : name === 'Error' ? '' : name;
  // Node 20 reports no resource for a refused spawn or worker (an empty string).
  const detail = permission ? ` (${permission}${resource ? `: ${resource}` : ''})` : '';
  return `${label ? `${label}: ` : ''}${message}${detail}`;
}

function stoppedText(stopped: GroupEnd): string {
  if (stopped === 'terminated') return 'stopped by SIGTERM';
  if (stopped === 'killed') return 'killed by SIGKILL after ignoring SIGTERM';
  return 'some processes survived SIGKILL';
}

function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  const line = lines[lines.length - 1]?.trim() ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
