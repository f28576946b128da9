// `npm run bench`: each section measures its target as a ratio against a baseline taken in the same run.
// Sections live beside this file as *.bench.ts (compiled to .js) and export `run(): Promise<BenchRow[]>`.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** Human-readable target, e.g. '<= 2.0x'. */
  target: string;
  pass: boolean;
}

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const sections = readdirSync(here)
  .filter((file) => file.endsWith('.bench.js'))
  .filter((file) => only.length === 0 || only.some((name) => file.startsWith(name)))
  .sort();

let failed = 0;
for (const file of sections) {
  const { run } = (await import(pathToFileURL(join(here, file)).href)) as { run(): Promise<BenchRow[]> };
  process.stdout.write(`\n# ${file.replace(/\.bench\.js$/, '')}\n`);
  for (const row of await run()) {
    if (!row.pass) failed++;
    const value = Number.isInteger(row.value) ? String(row.value) : row.value.toFixed(3);
    process.stdout.write(`${row.pass ? 'ok  ' : 'MISS'}  ${row.name.padEnd(58)} ${`${value} ${row.unit}`.padStart(16)}   target ${row.target}\n`);
  }
}
process.stdout.write(`\n${failed === 0 ? 'all targets met' : `${failed} target(s) missed`}\n`);
process.exitCode = failed === 0 ? 0 : 1;
