// From a botd event to what a channel sends: a Notice, with a line of text for people (Telegram) and the
// fields of the webhook payload. Events no channel cares about (a run that succeeded, an order left resting)
// make no notice. Every notice about a run names its subscription and bot and the command that shows more.
import type { DaemonEvent, OrderEvent } from '../events/daemon-events.js';
import type { EventKind } from './event-kinds.js';

export interface SubscriptionLabel {
  id: number;
  name: string | null;
  bot: string | null;
}

export interface Notice {
  kind: EventKind;
  /** run.failed, run.timed_out, run.crashed, order.filled, order.refused, subscription.paused, daemon.started, daemon.stopped, backlog, test */
  event: string;
  time: string;
  subscriptionId: number | null;
  text: string;
  /** Event fields for the webhook payload (besides version, id, time, event, kind and text). */
  fields: Record<string, unknown>;
}

const failures = new Set(['failed', 'timed_out', 'crashed']);

export function noticeOf(event: DaemonEvent, label: (subscriptionId: number) => SubscriptionLabel, now = new Date()): Notice | undefined {
  const time = now.toISOString();
  const make = (kind: EventKind, name: string, subscriptionId: number | null, text: string, fields: Record<string, unknown>): Notice => ({
    kind, event: name, time, subscriptionId, text, fields,
  });
  switch (event.type) {
    case 'run-finished': {
      if (!failures.has(event.status) || event.runId === null) return undefined;
      const sub = label(event.subscriptionId);
      const error = firstLine(event.error ?? '');
      const text = `Run ${event.runId} of ${describe(sub)} ${event.status.replace('_', ' ')}${error ? `: ${error}` : ''}\nmore: botctl logs ${event.runId}`;
      return make('failure', `run.${event.status}`, sub.id, text, {
        subscription: subscriptionFields(sub), bot: botFields(sub),
        run: { id: event.runId, status: event.status, error: error || null, duration_ms: event.durationMs },
        command: `botctl logs ${event.runId}`,
      });
    }
    case 'order': {
      if (!isFilled(event)) return undefined;
      const sub: SubscriptionLabel = { id: event.subscriptionId, name: event.subscriptionName, bot: event.bot };
      const amount = event.filled ?? event.amount;
      const pnl = event.pnl === null ? '' : `, P&L ${round(event.pnl)}`;
      const text = `${event.intent === 'entry' ? 'Entry' : 'Exit'} filled: ${event.side} ${amount ?? '?'} ${event.symbol} at ${event.price ?? 'market'} (${event.mode}${pnl}) for ${describe(sub)}, run ${event.runId}\nmore: botctl logs ${event.runId}`;
      return make('fill', 'order.filled', sub.id, text, {
        subscription: subscriptionFields(sub), bot: botFields(sub), run: { id: event.runId },
        order: { intent: event.intent, symbol: event.symbol, side: event.side, type: event.orderType, status: event.status, amount: event.amount, filled: event.filled, price: event.price, pnl: event.pnl, mode: event.mode, exchange: event.exchange },
        command: `botctl logs ${event.runId}`,
      });
    }
    case 'order-refused': {
      const sub: SubscriptionLabel = { id: event.subscriptionId, name: event.subscriptionName, bot: event.bot };
      const text = `Risk guard refused ${event.method} for ${describe(sub)}, run ${event.runId}: ${firstLine(event.message)}\nmore: botctl logs ${event.runId}`;
      return make('reject', 'order.refused', sub.id, text, {
        subscription: subscriptionFields(sub), bot: botFields(sub), run: { id: event.runId },
        refusal: { method: event.method, message: firstLine(event.message), mode: event.mode },
        command: `botctl logs ${event.runId}`,
      });
    }
    case 'subscription-paused': {
      const sub = label(event.subscriptionId);
      const ref = sub.name ?? String(sub.id);
      const text = `${describe(sub)} was paused: ${event.reason}${event.runId === null ? '' : `\nmore: botctl logs ${event.runId}`}\nthen: botctl resume ${ref}`;
      return make('paused', 'subscription.paused', sub.id, text, {
        subscription: subscriptionFields(sub), bot: botFields(sub), run: event.runId === null ? null : { id: event.runId },
        reason: event.reason, command: event.runId === null ? `botctl subscriptions` : `botctl logs ${event.runId}`,
      });
    }
    case 'daemon-started':
      return make('daemon', 'daemon.started', null, `botd started (pid ${event.pid}, ${event.subscriptions} subscriptions scheduled)`, {
        daemon: { pid: event.pid, subscriptions: event.subscriptions, concurrency: event.concurrency },
      });
    case 'daemon-stopped':
      return make('daemon', 'daemon.stopped', null, `botd stopped (${event.reason})`, { daemon: { reason: event.reason } });
    case 'node-lost':
      return make('daemon', 'node.lost', null, `botd node ${event.node} on ${event.host} was lost: no heartbeat since ${event.lastHeartbeat}; ${event.abandonedRuns} running runs recorded abandoned, its share moves to the other nodes\nmore: botctl nodes`, {
        node: { name: event.node, host: event.host, last_heartbeat: event.lastHeartbeat, abandoned_runs: event.abandonedRuns },
        command: 'botctl nodes',
      });
    case 'backlog': {
      const wait = Math.round(event.oldestWaitMs / 1000);
      const lost = event.superseded + event.skippedStillRunning;
      const slots = lost > 0 ? `; ${lost} slots skipped (${event.superseded} superseded by a newer slot, ${event.skippedStillRunning} behind a run still going)` : '';
      const text = `Backlog: ${event.queued} due runs wait for a free slot (${event.running} running, concurrency ${event.concurrency}); the oldest has waited ${wait} s${slots}\nmore: botctl runs`;
      return make('backlog', 'backlog', null, text, {
        backlog: { queued: event.queued, running: event.running, concurrency: event.concurrency, oldest_wait_ms: event.oldestWaitMs, superseded: event.superseded, skipped_still_running: event.skippedStillRunning },
        command: 'botctl runs',
      });
    }
    default:
      return undefined;
  }
}

export function testNotice(channel: string, now = new Date()): Notice {
  return {
    kind: 'daemon', event: 'test', time: now.toISOString(), subscriptionId: null,
    text: `Test message from botctl to channel ${channel}: notifications reach you.`, fields: { channel },
  };
}

/** Filled: the venue says closed, or reports a filled amount. */
export function isFilled(order: Pick<OrderEvent, 'status' | 'filled'>): boolean {
  return order.status === 'closed' || (order.filled ?? 0) > 0;
}

export function describe(sub: SubscriptionLabel): string {
  const name = sub.name ? `${sub.name} (#${sub.id})` : `#${sub.id}`;
  return `subscription ${name}${sub.bot ? ` of bot ${sub.bot}` : ''}`;
}

function subscriptionFields(sub: SubscriptionLabel) {
  return { id: sub.id, name: sub.name };
}

function botFields(sub: SubscriptionLabel) {
  return sub.bot === null ? null : { name: sub.bot };
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0]?.trim() ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
