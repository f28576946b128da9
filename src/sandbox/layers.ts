// Which walls around bot code are in force on this host, for `botctl doctor` (and botd's start line).
import { inspectorGuard } from './inspector-guard.js';
import { addressSpaceLimitBytes } from './memory-limit.js';
import { describeOsSandbox, osSandbox } from './os-sandbox.js';
import { unsandboxedCustomBotsAllowed } from './policy.js';

export interface SandboxLayers {
  /** Node's permission model inside each child: always on. */
  permission_model: string;
  /** The OS sandbox, or why it is not there and the fix. */
  os_sandbox: { in_force: true; detail: string } | { in_force: false; reason: string; fix: string };
  /** The cap on memory outside the V8 heap. */
  memory_cap: string;
  /** SIGUSR1 in this process (botctl; botd runs the same Node and says so at start). */
  inspector: string;
  /** What happens to uploaded bots here. */
  custom_bots: 'run inside both walls' | 'refused (no OS sandbox)' | 'run WITHOUT the OS sandbox (allowed by the operator)';
  ok: boolean;
}

/** `heapMb`: botd's default heap cap, which the memory cap is derived from. */
export function sandboxLayers(heapMb: number): SandboxLayers {
  const state = osSandbox();
  const permission = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
  const memory = state.available && state.prlimit
    ? `RLIMIT_AS ${addressSpaceLimitBytes(heapMb) / 1024 / 1024} MB per child at the default ${heapMb} MB heap cap`
    : 'none outside the V8 heap cap';
  return {
    permission_model: `Node ${permission}: reads only its own module; no writes, child processes, workers, addons or inspector`,
    os_sandbox: state.available ? { in_force: true, detail: describeOsSandbox(state) } : { in_force: false, reason: state.reason, fix: state.fix },
    memory_cap: memory,
    inspector: inspectorGuard().closed ? `SIGUSR1 opens nothing: ${inspectorGuard().how}` : `OPEN: ${inspectorGuard().how}`,
    custom_bots: state.available ? 'run inside both walls' : unsandboxedCustomBotsAllowed() ? 'run WITHOUT the OS sandbox (allowed by the operator)' : 'refused (no OS sandbox)',
    ok: state.available && Boolean(state.prlimit) && inspectorGuard().closed,
  };
}
