// The fleet's templates must be the same files on every node: a template bot runs whichever node's
// bot_files/ the slot lands on. Each node records the sha256 of each template file when it joins, and compares
// them with the other live nodes' (fleet.ts), naming each template that differs.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export type CodeDigest = Record<string, string>;

/** sha256 (hex, first 16 characters) of each `.ts` file in the folder, by file name. */
export function codeDigest(folder: string): CodeDigest {
  let names: string[];
  try {
    names = readdirSync(folder).filter((n) => n.endsWith('.ts')).sort();
  } catch {
    return {};
  }
  return Object.fromEntries(names.map((n) => [n, createHash('sha256').update(readFileSync(join(folder, n))).digest('hex').slice(0, 16)]));
}

/** Templates that differ between two nodes' digests, or that one of them lacks. */
export function differingTemplates(mine: CodeDigest, theirs: CodeDigest): string[] {
  const names = new Set([...Object.keys(mine), ...Object.keys(theirs)]);
  return [...names].filter((n) => mine[n] !== theirs[n]).sort();
}
