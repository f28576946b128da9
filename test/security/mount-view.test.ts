// What a sandboxed child sees of the file system beyond its own files (src/sandbox/mount-view.ts): the kernel's
// two transparent-huge-page settings, read-only, and nothing else of /sys. glibc's malloc reads them before it
// grants the huge pages a snapshot child asks for (child-start.ts); without them in the view, the child silently
// ran on 4 KB pages, 40 ms slower to start.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { childCommand } from '../../src/sandbox/child-command.js';
import { osSandbox } from '../../src/sandbox/os-sandbox.js';

const skip = !osSandbox().available && process.env.CI !== 'true';
const settings = '/sys/kernel/mm/transparent_hugepage';
const hugePages = { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' };

// Holds 8 MB of malloc'd memory (below glibc's mmap threshold: from the heap glibc advises for huge pages) and
// reports how much of its memory the kernel backs with huge pages, and what it can see and do in /sys.
const probe = `
const fs = require('fs');
const out = { keep: Buffer.alloc(8 << 20, 1).length };
out.hugeKb = Number(/AnonHugePages:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/smaps_rollup', 'utf8'))?.[1] ?? 0);
try {
  out.sys = fs.readdirSync('/sys');
  out.mm = fs.readdirSync('/sys/kernel/mm');
  out.settings = Object.fromEntries(fs.readdirSync('${settings}').map((f) => [f, fs.readFileSync('${settings}/' + f, 'utf8')]));
  try { fs.writeFileSync('${settings}/enabled', 'always'); out.write = 'written'; } catch (e) { out.write = e.code; }
} catch (e) { out.sys = e.code; }
console.log(JSON.stringify(out));`;

interface Seen {
  hugeKb: number;
  sys: string[] | string;
  mm?: string[];
  settings?: Record<string, string>;
  write?: string;
}

function look(sandboxed: boolean): Seen {
  const command = childCommand({ nodeArgs: ['-e', probe], files: [], env: hugePages, heapMb: 256, custom: false, osSandbox: sandboxed });
  try {
    const r = spawnSync(command.command, command.args, { encoding: 'utf8', env: command.env });
    if (r.status !== 0) throw new Error(`the probe exited ${r.status ?? r.signal}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Seen;
  } finally {
    command.release();
  }
}

const hasSettings = existsSync(`${settings}/enabled`);
// A host whose THP mode is `never`, or a glibc older than 2.35, gives no huge pages anywhere: nothing to compare.
const hugeOutside = !skip && hasSettings && look(false).hugeKb > 0;

describe.skipIf(skip || !hasSettings)('the sandbox’s view of the kernel’s memory settings', () => {
  it('shows the two huge-page settings as the host has them, read-only, and nothing else of /sys', () => {
    const seen = look(true);
    expect(seen.sys).toEqual(['kernel']);
    expect(seen.mm).toEqual(['transparent_hugepage']);
    expect(seen.settings).toEqual({
      enabled: readFileSync(`${settings}/enabled`, 'utf8'),
      hpage_pmd_size: readFileSync(`${settings}/hpage_pmd_size`, 'utf8'),
    });
    expect(seen.write).toBe('EROFS');
  });

  it.skipIf(!hugeOutside)('lets malloc have huge pages inside the sandbox wherever it has them outside', () => {
    expect(look(true).hugeKb).toBeGreaterThan(0);
  });
});
