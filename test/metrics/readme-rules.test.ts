// The README's sample Prometheus alert rules and scrape config are real: promtool checks them, and every
// botd metric they use is one botd serves (README table).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'botd-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function block(marker: string): string {
  const found = readme.split('```yaml\n').find((part) => part.startsWith(marker));
  if (!found) throw new Error(`README has no yaml block starting with ${marker}`);
  return found.slice(0, found.indexOf('```'));
}

const promtool = process.env.BOTCTL_PROMTOOL ?? 'promtool';
const installed = (await execa(promtool, ['--version'], { reject: false })).exitCode === 0;

describe('README "Watching your bots"', () => {
  it('uses only metrics botd serves', () => {
    const rules = block('# botd-alerts.yml');
    const used = new Set(rules.match(/botd_[a-z_]+/g));
    for (const name of used) expect(readme).toContain(`| \`${name}\` |`);
    expect([...used].sort()).toEqual(['botd_backlog_oldest_wait_seconds', 'botd_runs_queued', 'botd_runs_total', 'botd_subscriptions_paused_total']);
  });

  it.skipIf(!installed && process.env.CI !== 'true')('alert rules and scrape config pass promtool (where installed; .ci/install-promtool.sh)', async () => {
    const rules = join(dir, 'botd-alerts.yml');
    writeFileSync(rules, block('# botd-alerts.yml'));
    const checkedRules = await execa(promtool, ['check', 'rules', rules], { reject: false });
    expect(checkedRules.exitCode, `${checkedRules.stdout}${checkedRules.stderr}`).toBe(0);
    expect(checkedRules.stdout).toContain('SUCCESS: 4 rules found');
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, block('# prometheus.yml'));
    const checkedConfig = await execa(promtool, ['check', 'config', '--syntax-only', config], { reject: false });
    expect(checkedConfig.exitCode, `${checkedConfig.stdout}${checkedConfig.stderr}`).toBe(0);
  });
});
