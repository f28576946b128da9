import { invalid } from '../errors.js';
import { sandboxEnv, sandboxNodeArgs } from '../daemon/sandbox.js';
import type { BotDescription } from '../runtime/child.js';

export type { BotDescription };

// Asks a bundle, inside the same sandbox a run gets, for its name, description and config schema, and
// optionally validates a config. Bot code never runs unconfined, not even in the CLI.
export async function describeBot(bundlePath: string, displayName: string, config?: unknown): Promise<BotDescription> {
  const { execa } = await import('execa');
  const result = await execa(process.execPath, [...sandboxNodeArgs(bundlePath, 128), bundlePath, '--botctl-describe'], {
    input: config === undefined ? '' : JSON.stringify(config),
    env: sandboxEnv(),
    extendEnv: false,
    reject: false,
    timeout: 20_000,
    maxBuffer: 1_000_000,
  });
  if (result.exitCode !== 0 || !result.stdout) {
    const reason = result.timedOut ? 'timed out' : lastLines(String(result.stderr || result.stdout), 6);
    throw invalid(`${displayName} failed to load: ${reason}`);
  }
  const description = JSON.parse(result.stdout) as BotDescription;
  if (typeof description.name !== 'string') {
    throw invalid(`${displayName} must \`export default defineBot({...})\` from 'botctl/sdk'.`);
  }
  return description;
}

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join('\n');
}
