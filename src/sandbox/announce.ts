// botd's start line about the OS sandbox: in force (and how), or why not, the fix, and what that means for
// uploaded bots, which are refused unless the operator passed --allow-unsandboxed-custom-bots.
import { cgroupLayer } from './cgroup-claim.js';
import { inspectorGuard } from './inspector-guard.js';
import { memoryLayer } from './layers.js';
import { describeOsSandbox, osSandbox } from './os-sandbox.js';
import { allowUnsandboxedCustomBots, unsandboxedFlag } from './policy.js';

interface StartLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export function announceSandbox(log: StartLog, allowUnsandboxed: boolean, heapMb: number): void {
  allowUnsandboxedCustomBots(allowUnsandboxed);
  const inspector = inspectorGuard();
  if (inspector.closed !== 'always') log.warn('SIGUSR1 can open the inspector in botd during its start-up', { detail: inspector.how });
  // Claimed now, before botd starts any process: on cgroup v2 botd first moves itself into a leaf (cgroup-claim.ts).
  cgroupLayer();
  const { layer, cap } = memoryLayer(heapMb);
  const memory = { layer: layer.layer, why: layer.why, cap, ...(layer.fix ? { fix: layer.fix } : {}) };
  if (layer.layer.startsWith('cgroup')) log.info('memory layer in force', memory);
  else log.warn('memory layer in force', memory);
  const state = osSandbox();
  if (state.available) {
    log.info('OS sandbox in force', { detail: describeOsSandbox(state) });
    return;
  }
  log.warn('OS sandbox unavailable', {
    reason: state.reason,
    fix: state.fix,
    custom_bots: allowUnsandboxed ? `run WITHOUT the OS sandbox (${unsandboxedFlag})` : `refused (start botd with ${unsandboxedFlag} to accept the risk)`,
    templates: "run with Node's permission model only",
  });
}
