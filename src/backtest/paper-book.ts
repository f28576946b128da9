// The parent side of a backtest's trading: one paper account for the whole period, and for every slot that calls
// the exchange a fresh broker session over it, exactly as botd opens one per paper run: the same risk guard
// (broker/risk-guard.ts through BrokerSession), the same paper fill engine (broker/paper-exchange.ts), the same
// market data view. Fills are recorded with the simulated time they happened at, and the account after each, for
// the trades and the equity curve.
import type { MarketInterface } from 'ccxt';
import type { BrokerSession } from '../broker/broker-session.js';
import { paperSession } from '../broker/paper-session.js';
import type { MarketData } from '../broker/market-data.js';
import { newPaperAccount, PaperExchange, type PaperAccount, type PaperOrder, type PaperPosition } from '../broker/paper-exchange.js';
import type { RiskLimits } from '../broker/risk-guard.js';
import type { OrderRecord } from '../broker/session.js';
import type { Bot, Subscription } from '../db/schema.js';

export interface Fill {
  time: number;
  orderId: string;
  type: string;
  side: 'buy' | 'sell';
  price: number;
  amount: number;
  fee: number;
  reduceOnly: boolean;
}

export interface AccountSnapshot {
  time: number;
  balances: Record<string, number>;
  positions: Record<string, PaperPosition>;
}

export interface BookOptions {
  bot: Bot;
  pair: string;
  limits: RiskLimits;
  data: MarketData;
  /** The simulated time the data and the paper venue read. */
  clock: { now: number };
  startingBalance: Record<string, number>;
  feeRate: number | undefined;
  slippageBps: number;
  riskConfig: string;
  executionConfig: string;
  /** Keep the fills, snapshots and orders for a report (default true); a backtest child's book only answers. */
  history?: boolean;
}

export class PaperBook {
  readonly account: PaperAccount;
  readonly fills: Fill[] = [];
  readonly snapshots: AccountSnapshot[] = [];
  readonly orders: (OrderRecord & { time: number; slot: number })[] = [];
  private session: { slot: number; time: number; broker: BrokerSession } | undefined;
  private readonly subscription: Subscription;

  constructor(private readonly o: BookOptions, from: number) {
    this.account = newPaperAccount(o.startingBalance, from);
    this.snapshots.push(this.snapshot(from));
    // What the broker reads of a subscription: its id, pair, mode and limits. Nothing of it is stored anywhere.
    this.subscription = {
      id: 0, bot_id: o.bot.id, name: null, user_principal_id: 'backtest', trading_pair: o.pair, schedule: '', timezone: 'UTC',
      execution_config: o.executionConfig, risk_config: o.riskConfig, mode: 'paper', key_name: null, enabled: 1, paused_reason: null,
      pinned_version: null, timeout_ms: null, consecutive_failures: 0, created_at: '', updated_at: '',
    };
  }

  /** Serves one exchange call of slot `slot`, made at simulated `time`, in a session of that slot's own. */
  async call(slot: number, time: number, method: string, args: unknown[]): Promise<unknown> {
    if (!this.session || this.session.slot !== slot) {
      this.closeSession();
      this.session = { slot, time, broker: paperSession({ runId: slot + 1, subscription: this.subscription, bot: this.o.bot }, this.o.limits, this.paper(), this.o.data) };
    }
    // Time only moves forward: a call at a later simulated time (the bot waited on a timer) reads the data then.
    this.o.clock.now = Math.max(this.o.clock.now, time);
    return this.session.broker.call(method, args);
  }

  /** Fills what resting orders the candles up to `time` fill (the end of the period). */
  async settleTo(time: number): Promise<void> {
    this.closeSession();
    this.o.clock.now = time;
    await this.paper().settle();
  }

  market(): Promise<MarketInterface> {
    return this.o.data.market(this.o.pair);
  }

  private paper(): PaperExchange {
    const onFill = (order: PaperOrder, at: number) => {
      if (this.o.history === false) return;
      this.fills.push({ time: at, orderId: order.id, type: order.type, side: order.side, price: order.average ?? 0, amount: order.filled, fee: order.fee, reduceOnly: order.reduceOnly });
      this.snapshots.push(this.snapshot(at));
    };
    return new PaperExchange(this.account, this.o.data, { feeRate: this.o.feeRate, slippageBps: this.o.slippageBps, onFill }, () => this.o.clock.now);
  }

  private closeSession(): void {
    if (!this.session) return;
    if (this.o.history !== false) for (const record of this.session.broker.orders()) this.orders.push({ ...record, time: this.session.time, slot: this.session.slot });
    this.session = undefined;
  }

  private snapshot(time: number): AccountSnapshot {
    return { time, balances: { ...this.account.balances }, positions: structuredClone(this.account.positions) };
  }
}
