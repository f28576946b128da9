import type { ColumnType, Generated, Selectable } from 'kysely';

// better-sqlite3 returns timestamps as ISO-8601 strings and booleans as 0/1.
type Timestamp = string;
type Flag = number;

export type BotKind = 'template' | 'custom';
export type Mode = 'paper' | 'testnet' | 'live';
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'timed_out' | 'crashed' | 'skipped' | 'abandoned';

export interface BotsTable {
  id: Generated<number>;
  name: string;
  developer_id: string;
  kind: BotKind;
  template: string | null;
  code_path: string;
  exchange_type: string;
  description: string | null;
  created_at: ColumnType<Timestamp, Timestamp | undefined, never>;
}

export interface BotVersionsTable {
  id: Generated<number>;
  bot_id: number;
  version: number;
  code_path: string;
  bundle_path: string;
  sha256: string;
  bundle_sha256: string;
  size: number;
  bundle_size: number;
  file_name: string;
  created_at: ColumnType<Timestamp, Timestamp | undefined, never>;
}

export interface SubscriptionsTable {
  id: Generated<number>;
  bot_id: number;
  /** Optional operator-facing name, unique where set (migration 2026-11-23T01). */
  name: string | null;
  user_principal_id: string;
  trading_pair: string;
  schedule: string;
  timezone: string | null;
  /** JSON: the bot's config, validated by its schema (leverage, timeframes, capital_management, …). */
  execution_config: string;
  /** JSON: limits the broker enforces (max_leverage, max_orders_per_run, …). */
  risk_config: string;
  mode: Mode;
  key_name: string | null;
  enabled: Flag;
  paused_reason: string | null;
  pinned_version: number | null;
  timeout_ms: number | null;
  consecutive_failures: Generated<number>;
  created_at: ColumnType<Timestamp, Timestamp | undefined, never>;
  updated_at: Timestamp;
}

export interface RunsTable {
  id: Generated<number>;
  subscription_id: number;
  scheduled_for: Timestamp;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  status: RunStatus;
  exit_code: number | null;
  signal: string | null;
  error: string | null;
  code_sha256: string | null;
  log_tail: string | null;
  daemon_pid: number | null;
  child_pid: number | null;
  /** The fleet node that claimed the run (nodes.id); null for `botctl run` and runs from before fleets. */
  node_id: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface BotStateTable {
  subscription_id: number;
  state: string;
  updated_at: Timestamp;
}

export interface SignalsTable {
  id: Generated<number>;
  run_id: number;
  subscription_id: number;
  symbol: string;
  action: string;
  payload: string;
  created_at: ColumnType<Timestamp, Timestamp | undefined, never>;
}

export interface OrdersTable {
  id: Generated<number>;
  run_id: number;
  subscription_id: number;
  exchange_order_id: string | null;
  /** Unique across all runs: the broker generates it, so a retried request cannot place a second order. */
  client_order_id: string;
  symbol: string;
  side: string;
  type: string;
  amount: number;
  price: number | null;
  status: string;
  mode: Mode;
  created_at: ColumnType<Timestamp, Timestamp | undefined, never>;
}

export interface ApiKeysTable {
  name: string;
  exchange: string;
  /** AES-256-GCM: base64 of iv ‖ tag ‖ ciphertext of {apiKey, secret}. */
  encrypted_payload: string;
  created_at: ColumnType<Timestamp, Timestamp | undefined, never>;
}

export interface Database {
  bots: BotsTable;
  bot_versions: BotVersionsTable;
  subscriptions: SubscriptionsTable;
  runs: RunsTable;
  bot_state: BotStateTable;
  signals: SignalsTable;
  orders: OrdersTable;
  api_keys: ApiKeysTable;
  paper_accounts: PaperAccountsTable;
  notify_channels: NotifyChannelsTable;
  notify_mutes: NotifyMutesTable;
  nodes: NodesTable;
}

export type Bot = Selectable<BotsTable>;
export type BotVersion = Selectable<BotVersionsTable>;
export type Subscription = Selectable<SubscriptionsTable>;
export type Run = Selectable<RunsTable>;
export type Order = Selectable<OrdersTable>;
export type PaperAccountRow = Selectable<PaperAccountsTable>;

export interface PaperAccountsTable {
  subscription_id: number;
  /** JSON: { [currency]: free amount } */
  balances: string;
  /** JSON: open simulated positions by symbol. */
  positions: string;
  /** JSON: resting orders, leverage per symbol, next order id, checked-until time (migration 2026-11-24T00). */
  state: Generated<string>;
  updated_at: Timestamp;
}

/** A notification channel (migration 2026-11-29T10). */
export interface NotifyChannelsTable {
  id: Generated<number>;
  name: string;
  kind: 'webhook' | 'telegram';
  /** What listings show: a webhook's origin, or `telegram`. Never a secret. */
  target: string;
  /** AES-256-GCM: base64 of iv ‖ tag ‖ ciphertext of the channel's secrets (URL and HMAC secret, or bot token and chat id). */
  encrypted_payload: string;
  /** Comma list of event kinds the channel receives. */
  events: string;
  created_at: ColumnType<Timestamp, Timestamp | undefined, never>;
}

export interface NotifyMutesTable {
  channel_id: number;
  subscription_id: number;
  created_at: ColumnType<Timestamp, Timestamp | undefined, never>;
}

/** A botd process sharing the database (a fleet node), with its lease. Times are the database's clock. */
export interface NodesTable {
  id: Generated<number>;
  name: string;
  host: string;
  pid: number;
  started_at: ColumnType<Timestamp, Timestamp | undefined, never>;
  heartbeat_at: Timestamp;
  lease_until: Timestamp;
  stopped_at: Timestamp | null;
  stop_reason: string | null;
  code_digest: string | null;
}

export type FleetNode = Selectable<NodesTable>;
