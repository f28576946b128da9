// This botd as one node of a fleet sharing the database (issue 12; README, "Running a fleet"). It holds a lease
// in `nodes`: renewed every `heartbeatMs`, valid for `leaseMs`, both judged by the database's clock, so hosts'
// clocks need not agree. Each node keeps a view of the live nodes (re-read at every heartbeat and whenever the
// change feed reports one joining or leaving) and runs only the slots that are its own (slot-owner.ts).
//
// A node that stops gracefully records it at once, and the others' views drop it within milliseconds (the
// `nodes` trigger fires the change feed): they take its share from the next slot on. A node that dies stops
// renewing: once its lease has run out, the first surviving node to see it records it lost and hands its
// `running` runs to `onLost` (botd records them abandoned). Detection takes at most leaseMs + heartbeatMs
// (20 s with the defaults). A node sweeps for lost ones only after it has itself renewed its lease without a
// break for a whole lease: after the database comes back from a restart, every live node has renewed by then,
// so none is taken for lost because the database was away.
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import { dialectSql } from '../db/dialect-sql.js';
import type { Database } from '../db/schema.js';
import { errorText } from '../errors.js';
import { differingTemplates, type CodeDigest } from './code-digest.js';
import { slotOwner } from './slot-owner.js';

export const defaultHeartbeatMs = 5_000;
export const defaultLeaseMs = 15_000;

export interface LostNode {
  id: number;
  name: string;
  host: string;
  heartbeatAt: string;
}

export interface FleetLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface FleetOptions {
  db: Kysely<Database>;
  /** The node's name (botd --node-name; default the host name). */
  name?: string;
  codeDigest: CodeDigest;
  log: FleetLog;
  heartbeatMs?: number;
  leaseMs?: number;
  /** A node was found lost: its `running` runs are the caller's to record abandoned. */
  onLost(node: LostNode): Promise<void>;
}

/** The nodes holding their lease now, by the database's clock. */
export async function liveNodeIds(db: Kysely<Database>): Promise<Set<number>> {
  const t = dialectSql(db);
  const rows = await db.selectFrom('nodes').select('id').where('stopped_at', 'is', null).where('lease_until', '>', t.now).execute();
  return new Set(rows.map((r) => r.id));
}

export class Fleet {
  readonly #o: Required<Pick<FleetOptions, 'heartbeatMs' | 'leaseMs'>> & FleetOptions;
  #id = 0;
  #members: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Since when this node's heartbeats have all succeeded (ms, local clock); undefined after a failure. */
  #connectedSince: number | undefined;
  #beating: Promise<void> | undefined;
  #left = false;

  private constructor(options: FleetOptions) {
    this.#o = { heartbeatMs: defaultHeartbeatMs, leaseMs: defaultLeaseMs, ...options };
  }

  /** Registers this process as a node, reads the fleet, and starts the heartbeat. */
  static async join(options: FleetOptions): Promise<Fleet> {
    const fleet = new Fleet(options);
    await fleet.#register();
    await fleet.#compareCode();
    await fleet.refresh();
    fleet.#timer = setInterval(() => void fleet.#heartbeat(), fleet.#o.heartbeatMs);
    fleet.#timer.unref();
    return fleet;
  }

  get id(): number {
    return this.#id;
  }

  /** The live nodes' ids, as this node last saw them. */
  get members(): readonly number[] {
    return this.#members;
  }

  /** Whether this node runs the slot. */
  owns(subscriptionId: number, slot: number): boolean {
    return slotOwner(this.#members.length ? this.#members : [this.#id], subscriptionId, slot) === this.#id;
  }

  /** Re-reads the live nodes. A failure keeps the last view (the database may be restarting). */
  async refresh(): Promise<void> {
    try {
      const members = [...(await liveNodeIds(this.#o.db))];
      if (!members.includes(this.#id) && !this.#left) members.push(this.#id);
      members.sort((a, b) => a - b);
      if (members.join() !== this.#members.join()) {
        const before = this.#members;
        this.#members = members;
        if (before.length) this.#o.log.info('fleet changed', { node_id: this.#id, nodes: members.length, members });
      }
    } catch (error) {
      this.#o.log.warn('fleet view not refreshed; keeping the last one', { node_id: this.#id, error: errorText(error) });
    }
  }

  /** Leaves the fleet (graceful stop): the others take this node's share at once. */
  async leave(reason: string): Promise<void> {
    this.#left = true;
    clearInterval(this.#timer);
    await this.#beating;
    const t = dialectSql(this.#o.db);
    await this.#o.db.updateTable('nodes').set({ stopped_at: t.now, stop_reason: reason }).where('id', '=', this.#id).where('stopped_at', 'is', null).execute();
  }

  async #register(): Promise<void> {
    const t = dialectSql(this.#o.db);
    const row = await this.#o.db
      .insertInto('nodes')
      .values({
        name: this.#o.name ?? hostname(),
        host: hostname(),
        pid: process.pid,
        heartbeat_at: t.now,
        lease_until: t.nowPlus(this.#o.leaseMs),
        code_digest: JSON.stringify(this.#o.codeDigest),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    this.#id = row.id;
    this.#connectedSince = Date.now();
  }

  // A template that differs from another live node's runs different code depending on which node its slot lands on.
  async #compareCode(): Promise<void> {
    const t = dialectSql(this.#o.db);
    const others = await this.#o.db
      .selectFrom('nodes')
      .select(['id', 'name', 'host', 'code_digest'])
      .where('stopped_at', 'is', null)
      .where('lease_until', '>', t.now)
      .where('id', '<>', this.#id)
      .execute();
    for (const other of others) {
      let theirs: CodeDigest = {};
      try {
        theirs = JSON.parse(other.code_digest ?? '{}') as CodeDigest;
      } catch {
        // Unreadable: compared as empty, so every template is named.
      }
      const differ = differingTemplates(this.#o.codeDigest, theirs);
      if (differ.length === 0) continue;
      this.#o.log.warn("bot_files/ differ from another node's: these templates run different code depending on the node", {
        node_id: this.#id,
        other_node: other.name,
        other_host: other.host,
        templates: differ,
        next: 'deploy the same bot_files/ to every node (the same package version), then restart the nodes that differ',
      });
    }
  }

  async #heartbeat(): Promise<void> {
    if (this.#beating || this.#left) return;
    this.#beating = (async () => {
      const t = dialectSql(this.#o.db);
      try {
        const renewed = await this.#o.db
          .updateTable('nodes')
          .set({ heartbeat_at: t.now, lease_until: t.nowPlus(this.#o.leaseMs) })
          .where('id', '=', this.#id)
          .where('stopped_at', 'is', null)
          .executeTakeFirst();
        if (Number(renewed.numUpdatedRows) === 0 && !this.#left) {
          // Another node took this one for lost (it could not renew in time): its running runs are abandoned
          // already. It joins again under a new id, so that nothing it does now is mistaken for the lost node's.
          const lostAs = this.#id;
          await this.#register();
          this.#o.log.error('this node was recorded lost by the fleet (no heartbeat in time); joined again', { node_id: this.#id, lost_as: lostAs });
        }
        this.#connectedSince ??= Date.now();
      } catch (error) {
        this.#connectedSince = undefined;
        this.#o.log.warn('fleet heartbeat failed; retrying', { node_id: this.#id, error: errorText(error), next_in_ms: this.#o.heartbeatMs });
        return;
      }
      if (Date.now() - (this.#connectedSince ?? Date.now()) >= this.#o.leaseMs) await this.#sweep();
      await this.refresh();
    })().finally(() => (this.#beating = undefined));
    await this.#beating;
  }

  // Nodes whose lease ran out: each is recorded lost by exactly one surviving node (the UPDATE that finds it
  // still unstopped), which then hands its runs over.
  async #sweep(): Promise<void> {
    const t = dialectSql(this.#o.db);
    try {
      const lost = await this.#o.db
        .updateTable('nodes')
        .set({ stopped_at: t.now, stop_reason: 'lost: its lease ran out' })
        .where('stopped_at', 'is', null)
        .where('lease_until', '<', t.now)
        .returning(['id', 'name', 'host', 'heartbeat_at'])
        .execute();
      for (const node of lost) {
        this.#o.log.error('node lost: no heartbeat within its lease; its share moves to the other nodes', {
          node_id: this.#id,
          lost_node: node.id,
          lost_name: node.name,
          lost_host: node.host,
          last_heartbeat: node.heartbeat_at,
        });
        await this.#o.onLost({ id: node.id, name: node.name, host: node.host, heartbeatAt: node.heartbeat_at });
      }
    } catch (error) {
      this.#o.log.warn('lost-node check failed; retrying at the next heartbeat', { node_id: this.#id, error: errorText(error) });
    }
  }
}
