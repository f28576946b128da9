// External programs some tests need (awscli, util-linux `script`, systemd-analyze): found on PATH and
// proven to run, or the test skips with a one-line reason. With CI=true a missing tool fails the test
// instead, so CI keeps proving those paths. TEST_WITHOUT=aws,script,… hides tools, to try the
// fresh-machine case where they are installed (S3_SERVER=s3rver does the same for Ceph).
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';

export interface Tool {
  name: string;
  /** Absolute path of a copy that ran, or undefined. */
  path?: string;
  /** Why it is unavailable (empty when found). */
  reason: string;
}

export const inCi = process.env.CI === 'true';

const hidden = new Set((process.env.TEST_WITHOUT ?? '').split(',').map((s) => s.trim()).filter(Boolean));

/** Every executable called `name` on PATH, in PATH order. */
function onPath(name: string): string[] {
  const found: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      if (!found.includes(file)) found.push(file);
    } catch {
      // not here
    }
  }
  return found;
}

/**
 * The first copy of `name` on PATH that answers `probe` with exit 0 in `env` (the environment the test
 * will give it). A shim can sit first on PATH and not work without its own set-up (pyenv's `aws` needs
 * pyenv on PATH), so each candidate is run, not just found.
 */
export async function findTool(name: string, probe: string[], env?: Record<string, string>): Promise<Tool> {
  if (hidden.has(name)) return { name, reason: `${name} hidden by TEST_WITHOUT` };
  const candidates = onPath(name);
  for (const path of candidates) {
    const r = await execa(path, probe, { reject: false, stdin: 'ignore', timeout: 30_000, ...(env ? { env, extendEnv: false } : {}) });
    if (r.exitCode === 0) return { name, path, reason: '' };
  }
  const reason = candidates.length
    ? `no working ${name} on PATH (${candidates.join(', ')} failed \`${name} ${probe.join(' ')}\`)`
    : `${name} is not on PATH`;
  return { name, reason };
}

/**
 * For `describe.skipIf(skipWithout(tool))`: true when the tests should skip (printing the reason once);
 * false when the tool is there, and false in CI too, where the tests then run and fail on the missing tool.
 */
export function skipWithout(tool: Tool, what: string): boolean {
  if (tool.path) return false;
  if (inCi) {
    process.stderr.write(`[tools] CI=true: ${what} must run, but ${tool.reason}\n`);
    return false;
  }
  process.stderr.write(`[tools] skipped ${what}: ${tool.reason}\n`);
  return true;
}

/** The tool's path, or (outside CI) skips the running test with the reason; in CI throws. */
export function requireTool(tool: Tool, skip: (note: string) => never): string {
  if (tool.path) return tool.path;
  if (inCi) throw new Error(`CI=true: this test must run, but ${tool.reason}`);
  return skip(tool.reason);
}
