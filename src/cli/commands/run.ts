import { findSubscription } from '../../subscriptions/find-subscription.js';
import { openBroker } from '../../broker/open-broker.js';
import { closeSharedObjectStores } from '../../store/shared-stores.js';
import { findRun, type RunDetail } from '../../daemon/run-history.js';
import { runExecution } from '../../daemon/runner.js';
import { databaseError, sqliteCode } from '../../db/database-error.js';
import { BotctlError, conflict, errorText } from '../../errors.js';
import type { Arguments } from '../commands.js';
import type { CommandContext } from '../context.js';
import { block, type Cell, duration, keyValues, named, quiet, status, when } from '../output.js';
import { runErrorView } from '../output/run-error.js';

export type RunResult = RunDetail & { subscription_name: string | null };

// One execution now, in the foreground, through the runner botd uses: same sandbox, same ledger, same
// failure streak. It runs a paused subscription too (to try a fix before `botctl resume`). Ctrl-C stops
// the bot and records the run `abandoned`. Exit code 0 only when the run succeeded, 1 otherwise.
export async function run(context: CommandContext, [ref]: Arguments<'run'>): Promise<RunResult> {
  const connection = await context.database();
  const subscription = await findSubscription(connection.db, ref ?? '');
  const broker = await openBroker(context.home, connection);
  const cancel = new AbortController();
  const stop = () => cancel.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const report = await runExecution(
      { home: context.home, connection, exchangeSessions: broker.sessions },
      { subscriptionId: subscription.id, scheduledFor: new Date().toISOString(), requireEnabled: false, cancel: cancel.signal },
    );
    if (report.runId === null) {
      throw conflict(`Subscription ${subscription.id} was not run: ${report.error ?? 'no slot could be claimed'}.`, 'botctl runs');
    }
    return { ...(await findRun(connection.db, report.runId)), subscription_name: subscription.name };
  } catch (error) {
    if (error instanceof BotctlError) throw error;
    if (sqliteCode(error)) throw databaseError(error, context.databaseLocation, `Subscription ${subscription.id} could not be run`);
    throw new BotctlError('runtime_failure', `Subscription ${subscription.id} could not be run: ${errorText(error)}`, { cause: error });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await broker.close();
    closeSharedObjectStores();
  }
}

export function exitCode(run: RunDetail): number {
  return run.status === 'succeeded' ? 0 : 1;
}

export function render(run: RunResult): string {
  const view = runErrorView(run.error, run.log_tail);
  const lines = keyValues([
    ['run', run.id],
    ['subscription', named(run.subscription_name, run.subscription_id)],
    ['scheduled', `${when(run.scheduled_for)} UTC`],
    ['status', status(run.status)],
    ['duration', duration(run.duration_ms)],
    ['code', run.code_sha256?.slice(0, 12)],
    ...(view.error ? [['error', { text: view.error, tone: 'bad' }] as [string, Cell]] : []),
  ]);
  const tail = view.tail ? `\n\n${block(view.tail)}` : '';
  return `${lines}${tail}${run.status === 'succeeded' ? '' : `\n${quiet(`  next: botctl logs ${run.id}`)}`}`;
}
