import { describe, expect, it } from 'vitest';
import { deleteSubscription, pauseSubscription, resumeSubscription } from '../../src/subscriptions/change-subscription.js';
import { findSubscription } from '../../src/subscriptions/find-subscription.js';
import { listSubscriptions } from '../../src/subscriptions/list-subscriptions.js';
import { useTemporaryDatabase } from '../support/database.js';
import { snapshotDatabase } from '../support/db-snapshot.js';
import { expectBotctlError } from '../support/expect-error.js';
import { makeBot, makeRun, makeSubscription } from '../support/fixtures.js';

describe('subscriptions: find, list, pause, resume, unsubscribe', () => {
  const temp = useTemporaryDatabase();

  it('finds by id or name; unknown ones exit 2 naming `botctl subscriptions`', async () => {
    const { db } = temp;
    const bot = await makeBot(db, 'finder');
    const s = await makeSubscription(db, bot, { name: 'finder-btc' });
    expect((await findSubscription(db, String(s.id))).id).toBe(s.id);
    expect((await findSubscription(db, 'finder-btc')).id).toBe(s.id);
    await expectBotctlError(findSubscription(db, '99999'), { message: 'No subscription with id 99999.', hint: 'botctl subscriptions' });
    await expectBotctlError(findSubscription(db, '../x'), { message: 'No subscription named "../x".' });
  });

  it('lists with the last run status taken from the latest run', async () => {
    const { db } = temp;
    const bot = await makeBot(db, 'lister');
    const other = await makeBot(db, 'other');
    const s = await makeSubscription(db, bot, { name: 'lister-1' });
    const quiet = await makeSubscription(db, bot, { name: 'lister-2' });
    await makeSubscription(db, other);
    await makeRun(db, s, 'failed', '2026-01-01T00:15:00.000Z');
    // Inserted later, so a higher id, though scheduled earlier: "latest" means latest recorded.
    await makeRun(db, s, 'succeeded', '2026-01-01T00:00:00.000Z');
    const rows = await listSubscriptions(db, { botId: bot.id });
    expect(rows.map((r) => r.id)).toEqual([s.id, quiet.id]);
    expect(rows[0]).toEqual({
      id: s.id,
      name: 'lister-1',
      bot_id: bot.id,
      bot: 'lister',
      user: 'default',
      trading_pair: 'BTC/USDT:USDT',
      schedule: '*/15 * * * *',
      timezone: 'UTC',
      mode: 'paper',
      key_name: null,
      enabled: true,
      paused_reason: null,
      last_run_status: 'succeeded',
    });
    expect(rows[1]?.last_run_status).toBeNull();
  });

  it('pauses with a reason, resumes clearing it and the failure streak; repeating is not an error', async () => {
    const { db } = temp;
    const bot = await makeBot(db, 'pauser');
    const s = await makeSubscription(db, bot, { name: 'pauser-1' });
    await db.updateTable('subscriptions').set({ consecutive_failures: 4 }).where('id', '=', s.id).execute();

    const paused = await pauseSubscription(db, 'pauser-1', 'maintenance');
    expect(paused.changed).toBe(true);
    expect(paused.subscription).toMatchObject({ enabled: 0, paused_reason: 'maintenance' });
    expect((await pauseSubscription(db, String(s.id))).changed).toBe(false);

    const resumed = await resumeSubscription(db, String(s.id));
    expect(resumed.subscription).toMatchObject({ enabled: 1, paused_reason: null, consecutive_failures: 0 });
    expect((await resumeSubscription(db, 'pauser-1')).changed).toBe(false);
  });

  it('refuses a multi-line pause reason and unknown subscriptions: exit 2, nothing written', async () => {
    const { db } = temp;
    const before = snapshotDatabase(temp.home);
    await expectBotctlError(pauseSubscription(db, 'pauser-1', 'a\nb'), { message: 'Expected `--reason` to be one line' });
    await expectBotctlError(pauseSubscription(db, 'nope'), { message: 'No subscription named "nope".' });
    await expectBotctlError(resumeSubscription(db, '0'), { message: 'No subscription with id 0.' });
    await expectBotctlError(deleteSubscription(db, 'nope'), { message: 'No subscription named "nope".' });
    expect(snapshotDatabase(temp.home)).toEqual(before);
  });

  it('unsubscribes with the run history, keeping the bot', async () => {
    const { db } = temp;
    const bot = await makeBot(db, 'leaver');
    const s = await makeSubscription(db, bot, { name: 'leaver-1' });
    await makeRun(db, s, 'succeeded', '2026-01-01T00:00:00.000Z');
    expect((await deleteSubscription(db, 'leaver-1')).id).toBe(s.id);
    expect(await db.selectFrom('runs').select('id').where('subscription_id', '=', s.id).execute()).toEqual([]);
    expect(await db.selectFrom('bots').select('id').where('id', '=', bot.id).execute()).toHaveLength(1);
  });
});
