import { describe, expect, it } from 'vitest';
import { deleteBot } from '../../src/bots/delete-bot.js';
import { findBot } from '../../src/bots/find-bot.js';
import { listBots } from '../../src/bots/list-bots.js';
import { useTemporaryDatabase } from '../support/database.js';
import { snapshotDatabase } from '../support/db-snapshot.js';
import { expectBotctlError } from '../support/expect-error.js';
import { makeBot, makeRun, makeSubscription } from '../support/fixtures.js';

describe('findBot, listBots, deleteBot', () => {
  const temp = useTemporaryDatabase();

  it('finds a bot by id, by name and by developer/name', async () => {
    const { db } = temp;
    const sma = await makeBot(db, 'finder');
    expect((await findBot(db, String(sma.id))).id).toBe(sma.id);
    expect((await findBot(db, 'finder')).id).toBe(sma.id);
    expect((await findBot(db, 'default/finder')).id).toBe(sma.id);
  });

  it('reports an unknown id or name as exit 2 naming `botctl bots`', async () => {
    await expectBotctlError(findBot(temp.db, '999999'), { message: 'No bot with id 999999.', hint: 'botctl bots' });
    await expectBotctlError(findBot(temp.db, 'ghost'), { message: 'No bot named "ghost".' });
    // Control characters in the argument are escaped in the message, never printed raw.
    const error = await expectBotctlError(findBot(temp.db, 'gh\u001b[2Jost'), { message: 'No bot named' });
    expect(error.message).not.toContain('\u001b');
  });

  it('refuses a name shared by two developers, listing both', async () => {
    const { db } = temp;
    const a = await makeBot(db, 'twin', { developer: 'alice' });
    const b = await makeBot(db, 'twin', { developer: 'bob' });
    await expectBotctlError(findBot(db, 'twin'), {
      message: `Bot name "twin" is ambiguous: id ${a.id} (alice/twin), id ${b.id} (bob/twin). Use the id or developer/name.`,
    });
    expect((await findBot(db, 'bob/twin')).id).toBe(b.id);
  });

  it('lists bots with their subscription counts', async () => {
    const { db } = temp;
    const bot = await makeBot(db, 'listed');
    await makeSubscription(db, bot);
    await makeSubscription(db, bot);
    const row = (await listBots(db)).find((b) => b.id === bot.id);
    expect(row).toEqual({
      id: bot.id,
      name: 'listed',
      developer_id: 'default',
      kind: 'template',
      code_path: 'bot_files/simple_sma_bot.ts',
      exchange_type: 'binanceusdm',
      subscriptions: 2,
    });
  });

  it('refuses to delete a bot with subscriptions: exit 2, nothing removed', async () => {
    const { db } = temp;
    const bot = await makeBot(db, 'busy');
    await makeSubscription(db, bot);
    const before = snapshotDatabase(temp.home);
    await expectBotctlError(deleteBot(db, 'busy'), {
      message: `Bot busy (id ${bot.id}) has 1 subscription(s)`,
      hint: `botctl delete ${bot.id} --force`,
    });
    expect(snapshotDatabase(temp.home)).toEqual(before);
  });

  it('with force removes the bot, its subscriptions, runs and state in one go', async () => {
    const { db } = temp;
    const bot = await makeBot(db, 'doomed');
    const keep = await makeBot(db, 'kept');
    const s1 = await makeSubscription(db, bot);
    const s2 = await makeSubscription(db, bot);
    const other = await makeSubscription(db, keep);
    await makeRun(db, s1, 'succeeded', '2026-01-01T00:00:00.000Z');
    await makeRun(db, other, 'succeeded', '2026-01-01T00:00:00.000Z');
    await db.insertInto('bot_state').values({ subscription_id: s2.id, state: '{}', updated_at: 'now' }).execute();
    const result = await deleteBot(db, 'doomed', { force: true });
    expect(result.subscriptions).toBe(2);
    expect(await db.selectFrom('bots').select('id').where('id', '=', bot.id).execute()).toEqual([]);
    expect(await db.selectFrom('subscriptions').select('id').where('bot_id', '=', bot.id).execute()).toEqual([]);
    expect(await db.selectFrom('runs').select('id').where('subscription_id', '=', s1.id).execute()).toEqual([]);
    expect(await db.selectFrom('bot_state').select('subscription_id').where('subscription_id', '=', s2.id).execute()).toEqual([]);
    // The other bot's rows are untouched.
    expect(await db.selectFrom('runs').select('id').where('subscription_id', '=', other.id).execute()).toHaveLength(1);
  });

  it('deletes a bot without subscriptions, and reports an unknown one as exit 2', async () => {
    const { db } = temp;
    await makeBot(db, 'lonely');
    expect((await deleteBot(db, 'lonely')).subscriptions).toBe(0);
    const before = snapshotDatabase(temp.home);
    await expectBotctlError(deleteBot(db, 'lonely'), { message: 'No bot named "lonely".' });
    expect(snapshotDatabase(temp.home)).toEqual(before);
  });
});
