import { findSubscription } from '../../subscriptions/find-subscription.js';
import { openBroker } from '../../broker/open-broker.js';
import { closeSharedObjectStores } from '../../store/shared-stores.js';
import { findRun, type RunDetail } from '../../daemon/run-history.js';
import { runExecution } from '../../daemon/runner.js';
import { BotctlError, conflict, errorText } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { keyValues, paint } from '../output.js';

// One execution now, in the foreground, through the runner botd uses: same sandbox, same ledger, same
// failure streak. It runs a paused subscription too (to try a fix before `botctl resume`). Ctrl-C stops
// the bot and records the run `abandoned`. Exit code 0 only when the run succeeded, 1 otherwise.
export async function run(context: CommandContext, [ref]: string[]): Promise<RunDetail> {
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
    return await findRun(connection.db, report.runId);
  } catch (error) {
    if (error instanceof BotctlError) throw error;
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

export function render(run: RunDetail): string {
  const status = run.status === 'succeeded' ? paint.green(run.status) : paint.red(run.status);
  const lines = keyValues([
    ['run', run.id],
    ['subscription', run.subscription_id],
    ['status', status],
    ['duration', run.duration_ms === null ? null : `${run.duration_ms} ms`],
    ['code', run.code_sha256],
    ['error', run.error],
  ]);
  const tail = run.log_tail?.trimEnd();
  return `${lines}${tail ? `\n\n${tail}` : ''}${run.status === 'succeeded' ? '' : `\n  next: botctl logs ${run.id}`}`;
}
