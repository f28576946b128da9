// Fleet membership on both engines, in one process: leases judged by the database's clock, the slot partition,
// a graceful leave, and a node found lost once its lease runs out (a row whose lease is past, as a node killed
// with -9 leaves it). The same with real botd processes: fleet.e2e.test.ts.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dialectSql } from '../../src/db/dialect-sql.js';
import type { Connection } from '../../src/db/open.js';
import { Fleet, type LostNode } from '../../src/fleet/fleet.js';
import { listNodes } from '../../src/fleet/list-nodes.js';
import { slotOwner } from '../../src/fleet/slot-owner.js';
import { claimRun } from '../../src/daemon/ledger.js';
import { runExecution } from '../../src/daemon/runner.js';
import { addBot, addSubscription, until } from '../daemon/helpers.js';
import { describeEachEngine } from '../support/engines.js';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

it('gives each of three nodes a third of 3,000 slots (±20%), and moves only a leaving node\'s slots', () => {
  const nodes = [11, 12, 13];
  const counts = new Map<number, number>();
  const before: number[] = [];
  for (let minute = 0; minute < 10; minute++) {
    for (let sub = 1; sub <= 300; sub++) {
      const owner = slotOwner(nodes, sub, Date.UTC(2030, 0, 1, 0, minute))!;
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
      before.push(owner);
    }
  }
  for (const node of nodes) expect(Math.abs((counts.get(node) ?? 0) - 1000)).toBeLessThan(200);
  // Node 12 leaves: its slots spread over 11 and 13; no other slot changes hands.
  let i = 0;
  const moved = new Map<number, number>();
  for (let minute = 0; minute < 10; minute++) {
    for (let sub = 1; sub <= 300; sub++) {
      const owner = slotOwner([11, 13], sub, Date.UTC(2030, 0, 1, 0, minute))!;
      const was = before[i++]!;
      if (was !== 12) expect(owner).toBe(was);
      else moved.set(owner, (moved.get(owner) ?? 0) + 1);
    }
  }
  expect(Math.abs((moved.get(11) ?? 0) - (moved.get(13) ?? 0))).toBeLessThan(0.2 * (counts.get(12) ?? 0));
});

describeEachEngine('fleet', (engine) => {
  let connection: Connection;
  const fleets: Fleet[] = [];
  const lost: LostNode[] = [];

  beforeAll(async () => {
    connection = await engine.open();
  });
  afterAll(async () => {
    for (const fleet of fleets) await fleet.leave('test over').catch(() => undefined);
    await connection.close();
  });

  const join = async (name: string, leaseMs = 1_500) => {
    const fleet = await Fleet.join({ db: connection.db, name, codeDigest: { 'a.ts': '1' }, log: quiet, heartbeatMs: 200, leaseMs, onLost: async (node) => void lost.push(node) });
    fleets.push(fleet);
    return fleet;
  };

  it('partitions every slot among the live nodes: each slot has exactly one owner', async () => {
    const [a, b, c] = [await join('a'), await join('b'), await join('c')];
    await Promise.all([a.refresh(), b.refresh(), c.refresh()]);
    expect(a.members).toEqual([a.id, b.id, c.id]);
    expect(b.members).toEqual(a.members);
    for (let sub = 1; sub <= 200; sub++) {
      const slot = Date.UTC(2030, 0, 1, 0, sub % 7);
      expect([a, b, c].filter((f) => f.owns(sub, slot))).toHaveLength(1);
    }
    const report = await listNodes(connection.db);
    expect(report.live).toBe(3);
    expect(report.nodes.map((n) => [n.name, n.state])).toEqual([['a', 'live'], ['b', 'live'], ['c', 'live']]);
  });

  it("records a tick skipped when the subscription's previous run is still going on another live node", async () => {
    const [a, b] = fleets as [Fleet, Fleet];
    const sub = await addSubscription(connection.db, await addBot(connection.db, 'noop'), { schedule: '* * * * *' });
    const previous = await claimRun(connection.db, { subscriptionId: sub, scheduledFor: '2030-03-01T00:00:00.000Z', codeSha256: null, daemonPid: 1, nodeId: a.id });
    const report = await runExecution({ home: '/nonexistent', connection, nodeId: b.id }, { subscriptionId: sub, scheduledFor: '2030-03-01T00:01:00.000Z', requireEnabled: true });
    expect(report).toMatchObject({ status: 'skipped', error: `previous run ${previous} was still running` });
    const rows = await connection.db.selectFrom('runs').select(['scheduled_for', 'status']).where('subscription_id', '=', sub).orderBy('scheduled_for').execute();
    expect(rows).toEqual([
      { scheduled_for: '2030-03-01T00:00:00.000Z', status: 'running' },
      { scheduled_for: '2030-03-01T00:01:00.000Z', status: 'skipped' },
    ]);
  });

  it('drops a node that leaves gracefully from the others\' view at once, and lists it stopped', async () => {
    const [a, b, c] = fleets as [Fleet, Fleet, Fleet];
    await c.leave('stopped: SIGTERM');
    await Promise.all([a.refresh(), b.refresh()]);
    expect(a.members).toEqual([a.id, b.id]);
    for (let sub = 1; sub <= 100; sub++) expect([a, b].filter((f) => f.owns(sub, Date.UTC(2030, 0, 1))).length).toBe(1);
    const report = await listNodes(connection.db);
    expect(report.nodes.find((n) => n.id === c.id)).toMatchObject({ state: 'stopped', stop_reason: 'stopped: SIGTERM' });
  });

  it('finds a node whose lease ran out lost, once, hands it over (onLost), and takes its share', async () => {
    const t = dialectSql(connection.db);
    // A node killed -9 a moment ago: its lease runs out 300 ms from now, and a run of it is still `running`.
    const dead = await connection.db
      .insertInto('nodes')
      .values({ name: 'dead', host: 'elsewhere', pid: 1, heartbeat_at: t.now, lease_until: t.nowPlus(300), code_digest: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const sub = await addSubscription(connection.db, await addBot(connection.db, 'noop'));
    await claimRun(connection.db, { subscriptionId: sub, scheduledFor: '2030-02-01T00:00:00.000Z', codeSha256: null, daemonPid: 1, nodeId: dead.id });
    const [a, b] = fleets as [Fleet, Fleet];
    await a.refresh();
    expect(a.members).toContain(dead.id);
    await until('the dead node to be found lost', () => lost.find((n) => n.id === dead.id), 15_000);
    // Two sweeping nodes, one report.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(lost.filter((n) => n.id === dead.id)).toHaveLength(1);
    await Promise.all([a.refresh(), b.refresh()]);
    expect(a.members).toEqual([a.id, b.id]);
    const report = await listNodes(connection.db);
    expect(report.nodes.find((n) => n.id === dead.id)).toMatchObject({ state: 'lost', stop_reason: 'lost: its lease ran out', running: 1 });
  });

  it('names the templates whose code differs from a live node\'s when a node joins', async () => {
    const warnings: Record<string, unknown>[] = [];
    const log = { ...quiet, warn: (msg: string, fields?: Record<string, unknown>) => void (msg.startsWith('bot_files/ differ') && warnings.push(fields ?? {})) };
    const odd = await Fleet.join({ db: connection.db, name: 'odd', codeDigest: { 'a.ts': '2', 'b.ts': '3' }, log, heartbeatMs: 200, leaseMs: 1_500, onLost: async () => {} });
    fleets.push(odd);
    expect(warnings.length).toBeGreaterThanOrEqual(2);
    expect(warnings[0]).toMatchObject({ templates: ['a.ts', 'b.ts'] });
  });
});
