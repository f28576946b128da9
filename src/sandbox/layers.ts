// Which walls around bot code are in force on this host, for `botctl doctor` (and botd's start line).
import { inspectorGuard } from './inspector-guard.js';
import { claimedCgroupLayer } from './cgroup-claim.js';
import { detectCgroups } from './cgroup-detect.js';
import { launcherInForce } from './launcher.js';
import { addressSpaceLimitBytes, residentBudgetBytes } from './memory-limit.js';
import { describeOsSandbox, osSandbox } from './os-sandbox.js';
import { unsandboxedCustomBotsAllowed } from './policy.js';
import { taskLimit } from './run-cgroup.js';

export interface SandboxLayers {
  /** Node's permission model inside each child: always on. */
  permission_model: string;
  /** The OS sandbox, or why it is not there and the fix. */
  os_sandbox: { in_force: true; detail: string } | { in_force: false; reason: string; fix: string };
  /** The caps on memory outside the V8 heap, in one line. */
  memory_cap: string;
  /** Which of them binds: a cgroup (v2, v1) or RLIMIT_AS alone, and why. */
  memory_layer: MemoryLayer;
  /** SIGUSR1 in this process (botctl; botd runs the same Node and says so at start). */
  inspector: string;
  /** What happens to uploaded bots here. */
  custom_bots: 'run inside both walls' | 'refused (no OS sandbox)' | 'run WITHOUT the OS sandbox (allowed by the operator)';
  ok: boolean;
}

export interface MemoryLayer {
  layer: 'cgroup v2' | 'cgroup v1' | 'RLIMIT_AS only' | 'none';
  why: string;
  fix?: string;
}

/** The memory layer for this process's children: what it claimed (botd, at start), else what it would find. */
export function memoryLayer(heapMb: number): { layer: MemoryLayer; cap: string } {
  const rlimit = launcherInForce ? `RLIMIT_AS ${addressSpaceLimitBytes(heapMb) / 1024 / 1024} MB` : undefined;
  const cgroup = claimedCgroupLayer() ?? detectCgroups();
  const budget = `${residentBudgetBytes(heapMb) / 1024 / 1024} MB resident and ${taskLimit} tasks per child`;
  const atHeap = `at the default ${heapMb} MB heap cap`;
  if (cgroup.kind !== 'none') {
    return { layer: { layer: `cgroup ${cgroup.kind}`, why: cgroup.why }, cap: `cgroup ${cgroup.kind}: ${budget} ${atHeap}${rlimit ? `; ${rlimit} as well` : ''}` };
  }
  if (rlimit) return { layer: { layer: 'RLIMIT_AS only', why: cgroup.why, fix: cgroup.fix }, cap: `${rlimit} per child ${atHeap} (RLIMIT_AS only: ${cgroup.why})` };
  return { layer: { layer: 'none', why: `${cgroup.why}; and no RLIMIT_AS off Linux`, fix: cgroup.fix }, cap: 'none outside the V8 heap cap' };
}

/** `heapMb`: botd's default heap cap, which the memory cap is derived from. */
export function sandboxLayers(heapMb: number): SandboxLayers {
  const state = osSandbox();
  const permission = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
  const { layer, cap: memory } = memoryLayer(heapMb);
  return {
    permission_model: `Node ${permission}: reads only its own module; no writes, child processes, workers, addons or inspector`,
    os_sandbox: state.available ? { in_force: true, detail: describeOsSandbox(state) } : { in_force: false, reason: state.reason, fix: state.fix },
    memory_cap: memory,
    memory_layer: layer,
    inspector: inspectorGuard().closed === 'always' ? `SIGUSR1 opens nothing: ${inspectorGuard().how}` : `SIGUSR1 opens nothing once started: ${inspectorGuard().how}`,
    custom_bots: state.available ? 'run inside both walls' : unsandboxedCustomBotsAllowed() ? 'run WITHOUT the OS sandbox (allowed by the operator)' : 'refused (no OS sandbox)',
    ok: state.available,
  };
}
