// Each execution's child is spawned detached, so it leads its own process group (and session), and whatever
// it starts stays in that group. Signals go to the whole group: killing only the child would leave its
// descendants running. "Gone" means no live member is left; zombies count as gone, because on a host whose
// init does not reap (some containers), a killed grandchild stays a zombie forever without running.
import { readdirSync, readFileSync } from 'node:fs';

const hasProc = process.platform === 'linux';

/** Sends a signal to every process of the group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) throw new Error(`refusing to signal process group ${pgid}`);
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

interface ProcStat {
  pid: number;
  state: string;
  pgrp: number;
}

function readStat(pid: number | string): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces and parentheses: parse after its last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid: Number(pid), state: fields[0] ?? '?', pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** Live (non-zombie) members of a process group. Linux only; elsewhere a cheaper but zombie-blind check. */
export function liveGroupMembers(pgid: number): number[] {
  if (!signalGroup(pgid, 0)) return [];
  if (!hasProc) return [pgid];
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(stat.pid);
  }
  return members;
}

export function groupAlive(pgid: number): boolean {
  return liveGroupMembers(pgid).length > 0;
}

/** True while the process exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (!hasProc) return true;
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/** The process's argv joined by spaces, or undefined where /proc is unavailable or it is gone. */
export function commandLine(pid: number): string | undefined {
  if (!hasProc) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until no live member is left; false if some still are after `timeoutMs`. */
export async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    if (!groupAlive(pgid)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
  }
}

export type GroupEnd = 'gone' | 'terminated' | 'killed' | 'survived';

// SIGTERM to the group, a grace period, then SIGKILL; resolves once every member is gone (or, for
// an unkillable process in uninterruptible sleep, reports that some survived).
export async function terminateGroup(pgid: number, graceMs: number): Promise<GroupEnd> {
  if (!groupAlive(pgid)) return 'gone';
  signalGroup(pgid, 'SIGTERM');
  if (await waitGroupGone(pgid, graceMs)) return 'terminated';
  signalGroup(pgid, 'SIGKILL');
  return (await waitGroupGone(pgid, 5_000)) ? 'killed' : 'survived';
}

// A run row's child_pid may be stale: the pid may since belong to an unrelated process. While any member of
// the child's group lives, no new process can get that pid as its id, so a group whose leader is gone is
// certainly ours; a live leader is ours only if its command line says it is a bot execution.
export function isOrphanedExecution(pgid: number): boolean {
  if (!groupAlive(pgid)) return false;
  if (!processAlive(pgid)) return true;
  const cmd = commandLine(pgid);
  return cmd === undefined || cmd.includes('--botctl-child');
}
