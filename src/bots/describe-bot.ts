import { BotctlError, invalid } from '../errors.js';
import { childCommand } from '../sandbox/child-command.js';
import { sandboxEnv, sandboxNodeArgs } from '../sandbox/node-flags.js';
import type { BotDescription } from '../runtime/child.js';

export type { BotDescription };

// Asks a bundle, inside the same sandboxes a run gets (Node's permission model and the OS sandbox), for its name,
// description and config schema, and optionally validates a config. Bot code never runs unconfined, not even in
// the CLI: `custom` code (the default) is refused where the OS sandbox cannot be had, as botd refuses to run it.
export async function describeBot(bundlePath: string, displayName: string, config?: unknown, options: { custom?: boolean } = {}): Promise<BotDescription> {
  const { execa } = await import('execa');
  const heapMb = 128;
  let command;
  try {
    const nodeArgs = [...sandboxNodeArgs(bundlePath, heapMb), bundlePath, '--botctl-describe'];
    command = childCommand({ nodeArgs, files: [bundlePath], env: sandboxEnv(), heapMb, custom: options.custom ?? true });
  } catch (error) {
    throw new BotctlError('runtime_failure', `${displayName} was not loaded: ${(error as Error).message}`);
  }
  const result = await execa(command.command, command.args, {
    input: config === undefined ? '' : JSON.stringify(config),
    env: command.env,
    extendEnv: false,
    reject: false,
    timeout: 20_000,
    maxBuffer: 1_000_000,
  });
  const outOfMemory = command.release();
  if (result.exitCode !== 0 || !result.stdout) {
    const reason = result.timedOut ? 'timed out' : (outOfMemory ?? lastLines(String(result.stderr || result.stdout), 6));
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
