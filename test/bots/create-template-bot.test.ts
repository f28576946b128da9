import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createTemplateBot } from '../../src/bots/create-template-bot.js';
import { listTemplateFiles } from '../../src/bots/templates.js';
import { botFilesDir } from '../../src/package-root.js';
import { useTemporaryDatabase } from '../support/database.js';
import { snapshotDatabase } from '../support/db-snapshot.js';
import { expectBotctlError } from '../support/expect-error.js';

const input = { template: 'simple_sma_bot', name: 'sma', developer: 'default', exchange: 'binanceusdm' };

describe('createTemplateBot', () => {
  const temp = useTemporaryDatabase();

  it('inserts one row pointing at the shared template file, and writes no file', async () => {
    const homeBefore = readdirSync(temp.home).sort();
    const templatesBefore = readdirSync(botFilesDir).sort();
    const bot = await createTemplateBot(temp.db, input);
    expect(bot).toMatchObject({ name: 'sma', kind: 'template', template: 'simple_sma_bot', code_path: 'bot_files/simple_sma_bot.ts', developer_id: 'default' });
    expect(readdirSync(botFilesDir).sort()).toEqual(templatesBefore);
    // Only SQLite's own files may appear in the home: no copy, no cache, no bundle.
    expect(readdirSync(temp.home).filter((f) => !f.startsWith('botctl.db')).sort()).toEqual(homeBefore.filter((f) => !f.startsWith('botctl.db')));
    const rows = await temp.db.selectFrom('bots').selectAll().execute();
    expect(rows).toHaveLength(1);
  });

  it('shares one file between many bots', async () => {
    await createTemplateBot(temp.db, { ...input, name: 'sma-2' });
    await createTemplateBot(temp.db, { ...input, name: 'sma-3', developer: 'alice' });
    const paths = await temp.db.selectFrom('bots').select('code_path').distinct().execute();
    expect(paths).toEqual([{ code_path: 'bot_files/simple_sma_bot.ts' }]);
  });

  it('allows the same name for another developer', async () => {
    const bot = await createTemplateBot(temp.db, { ...input, developer: 'bob' });
    expect(bot.developer_id).toBe('bob');
  });

  it('refuses a duplicate name for the same developer: exit 2, nothing written', async () => {
    const before = snapshotDatabase(temp.home);
    await expectBotctlError(createTemplateBot(temp.db, input), {
      message: 'A bot named "sma" already exists for developer "default"',
      hint: 'botctl bots',
    });
    expect(snapshotDatabase(temp.home)).toEqual(before);
  });

  it('refuses an unknown template and lists the available ones', async () => {
    const before = snapshotDatabase(temp.home);
    const available = listTemplateFiles().map((t) => t.name);
    const error = await expectBotctlError(createTemplateBot(temp.db, { ...input, template: 'nope', name: 'other' }), {
      message: `Unknown template "nope". Available templates: ${available.join(', ')}.`,
      hint: 'botctl templates',
    });
    expect(error.code).toBe('invalid_input');
    expect(snapshotDatabase(temp.home)).toEqual(before);
  });

  it.each(['../simple_sma_bot', 'bot_files/simple_sma_bot', '/etc/passwd', 'simple_sma_bot.ts', 'simple\nsma', 'simple_sma_bot\u0000'])(
    'never lets template %j reach the file system',
    async (template) => {
      const before = snapshotDatabase(temp.home);
      await expectBotctlError(createTemplateBot(temp.db, { ...input, template, name: 'other' }), { message: 'Unknown template' });
      expect(snapshotDatabase(temp.home)).toEqual(before);
    },
  );

  it.each([
    ['a path separator', 'a/b'],
    ['a backslash', 'a\\b'],
    ['dot-dot', '..'],
    ['dot-dot inside', 'a..b'],
    ['a newline', 'a\nb'],
    ['a NUL byte', 'a\u0000b'],
    ['an escape sequence', 'a\u001b[31m'],
    ['a space', 'a b'],
    ['nothing', ''],
    ['all digits (ids are)', '123'],
    ['65 characters', 'x'.repeat(65)],
    ['a leading dash', '-rf'],
  ])('refuses a bot name with %s: exit 2, nothing written', async (_what, name) => {
    const before = snapshotDatabase(temp.home);
    await expectBotctlError(createTemplateBot(temp.db, { ...input, name }), { message: /^Expected `--name` to be 1-64 characters/ });
    expect(snapshotDatabase(temp.home)).toEqual(before);
  });

  it('refuses a developer id with a path separator, and a bad exchange id', async () => {
    const before = snapshotDatabase(temp.home);
    await expectBotctlError(createTemplateBot(temp.db, { ...input, name: 'x1', developer: 'a/b' }), { message: 'Expected `--developer`' });
    await expectBotctlError(createTemplateBot(temp.db, { ...input, name: 'x1', exchange: 'Binance USDM' }), {
      message: 'Expected `--exchange` to be a ccxt exchange id',
    });
    expect(snapshotDatabase(temp.home)).toEqual(before);
  });
});
