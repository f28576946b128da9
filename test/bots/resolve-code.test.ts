// One resolver for a bot's code: `subscribe` validates a config against, and `show` describes, the same file
// botd would run, BOTCTL_BOT_FILES included. (Before, subscribe joined the package root: a template only in the
// configured folder failed with ENOENT, and one whose name also exists in the package was checked against the
// package's file.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTemplateBot } from '../../src/bots/create-template-bot.js';
import { resolveCode } from '../../src/bots/resolve-code.js';
import { run as show } from '../../src/cli/commands/show.js';
import { createContext, type CommandContext } from '../../src/cli/context.js';
import { botFilesDir } from '../../src/package-root.js';
import { createSubscription } from '../../src/subscriptions/create-subscription.js';
import { expectBotctlError } from '../support/expect-error.js';
import { temporaryHome } from '../support/home.js';

// A template whose config has one field, `marker`, with the given default.
const template = (name: string, marker: number) => `import { defineBot } from 'botctl/sdk';
import { z } from 'zod';
export default defineBot({
  name: '${name}',
  description: 'configured folder',
  config: z.object({ marker: z.number().default(${marker}) }),
  async execute() {},
});
`;

describe('with BOTCTL_BOT_FILES set', () => {
  const { home, remove } = temporaryHome();
  const folder = mkdtempSync(join(tmpdir(), 'botctl-templates-'));
  const previous = process.env.BOTCTL_BOT_FILES;
  let context: CommandContext;
  const db = async () => (await context.database()).db;

  beforeAll(() => {
    writeFileSync(join(folder, 'only_here.ts'), template('only_here', 1));
    // The package has a simple_sma_bot.ts too, with other fields (fast, slow, …): the configured one must win.
    writeFileSync(join(folder, 'simple_sma_bot.ts'), template('simple_sma_bot', 2));
    process.env.BOTCTL_BOT_FILES = folder;
    context = createContext({ home });
  });
  afterAll(async () => {
    if (previous === undefined) delete process.env.BOTCTL_BOT_FILES;
    else process.env.BOTCTL_BOT_FILES = previous;
    await context.close();
    remove();
    rmSync(folder, { recursive: true, force: true });
  });

  it('subscribes, shows and resolves a template that exists only in the configured folder', async () => {
    const bot = await createTemplateBot(await db(), { name: 'only', template: 'only_here', developer: 'default', exchange: 'binanceusdm' });
    const { subscription } = await createSubscription(await db(), home, { bot: 'only', pair: 'BTC/USDT:USDT', schedule: '@hourly', config: { marker: 5 } });
    expect(JSON.parse(subscription.execution_config)).toEqual({ marker: 5 });
    expect((await show(context, ['only'])).config_fields).toEqual([{ name: 'marker', type: 'number', default: 1 }]);
    expect((await resolveCode(await db(), home, bot, null)).sourcePath).toBe(join(folder, 'only_here.ts'));
  });

  it('validates against the configured file when the package has a template of the same name', async () => {
    const bot = await createTemplateBot(await db(), { name: 'shadow', template: 'simple_sma_bot', developer: 'default', exchange: 'binanceusdm' });
    expect((await resolveCode(await db(), home, bot, null)).sourcePath).toBe(join(folder, 'simple_sma_bot.ts'));
    expect(join(botFilesDir, 'simple_sma_bot.ts')).not.toBe(join(folder, 'simple_sma_bot.ts'));
    // Valid for the configured file: accepted, with its default.
    const { subscription } = await createSubscription(await db(), home, { bot: 'shadow', pair: 'BTC/USDT:USDT', schedule: '@hourly' });
    expect(JSON.parse(subscription.execution_config)).toEqual({ marker: 2 });
    // Valid only for the package's file: refused, naming the field the configured file does not know.
    await expectBotctlError(
      createSubscription(await db(), home, { bot: 'shadow', pair: 'BTC/USDT:USDT', schedule: '@hourly', config: { fast: 5 } }),
      { message: 'fast: expected no such field, got 5' },
    );
    expect((await show(context, ['shadow'])).config_fields).toEqual([{ name: 'marker', type: 'number', default: 2 }]);
  });
});
