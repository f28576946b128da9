// Node flags that confine a bot's child process (the first wall, Node's permission model): it may read its own
// bundle and nothing else, may not write files, spawn processes or start workers, and has a capped heap. Used by
// botd's runs and by botctl's describe of a bot, so it lives below both (the heap default is botd's, the
// caller passes it).

const permissionFlag = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';

export function sandboxNodeArgs(bundlePath: string, heapMb: number): string[] {
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
