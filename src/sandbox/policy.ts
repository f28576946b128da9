// Whether custom (uploaded) bots may run where the OS sandbox cannot be had, with Node's permission model as
// their only wall. Off unless the operator says so by name: `botd start --allow-unsandboxed-custom-bots`, or for
// botctl's own children (`botctl run`, `upload`, `subscribe`, `show`) the environment variable of that name.
export const unsandboxedFlag = '--allow-unsandboxed-custom-bots';
export const unsandboxedVariable = 'BOTCTL_ALLOW_UNSANDBOXED_CUSTOM_BOTS';

let allowed = false;

/** botd's flag. */
export function allowUnsandboxedCustomBots(allow: boolean): void {
  allowed = allow;
}

export function unsandboxedCustomBotsAllowed(): boolean {
  return allowed || process.env[unsandboxedVariable] === '1';
}
