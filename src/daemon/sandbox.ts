// Node flags that confine a bot's child process: it may read its own bundle and nothing else,
// may not write files, spawn processes or start workers, and has a capped heap.

const permissionFlag = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';

import { defaultHeapMb } from './defaults.js';

export function sandboxNodeArgs(bundlePath: string, heapMb = defaultHeapMb): string[] {
  return [
    permissionFlag,
    // One path per flag: Node 20 reads commas as part of the path. The entry file itself must be allowed.
    `--allow-fs-read=${bundlePath}`,
    `--max-old-space-size=${heapMb}`,
    '--disable-warning=ExperimentalWarning',
    '--no-addons',
  ];
}

/** The child's whole environment: nothing of the daemon's, so no secret or credential can leak through it. */
export function sandboxEnv(): Record<string, string> {
  return { NODE_ENV: 'production', TZ: 'UTC', LANG: 'C.UTF-8' };
}
