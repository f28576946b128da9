// Three real botd nodes on one real PostgreSQL, 300 subscriptions every minute (issue 12): every slot runs exactly
// once and the shares stay within ±20%; pause, resume and a schedule edit reach every node within 2 s; a node killed
// with -9 mid-slot is found lost, its runs recorded abandoned and its share taken, with nothing run twice; and
// PostgreSQL stopped across a slot boundary and started again: the nodes reconnect, the missed slot follows the
// missed-run policy (caught up once), and nothing runs twice. One fleet through all of it, slot after slot.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Connection } from '../../src/db/open.js';
import { parsePostgresUrl } from '../../src/db/postgres-url.js';
import type { Database } from '../../src/db/schema.js';
import { killAllBotds, startBotd, type Botd } from '../daemon/botd.js';
import { addBot, addSubscription, sleep, until } from '../daemon/helpers.js';
import { botctl } from '../support/cli.js';
import { temporaryHome } from '../support/home.js';
import { webhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { postgres, usePostgres } from '../support/postgres.js';
import { skipWithout } from '../support/tools.js';

const subscriptions = 300;
const minute = 60_000;

interface Node {
  name: string;
  home: string;
  botd: Botd;
}

/** Runs of the slot at `at`, per node id, and how many (subscription, slot) pairs have more than one row. */
async function slotRuns(db: Kysely<Database>, at: number, subs: number[]) {
  const rows = await db.selectFrom('runs').select(['subscription_id', 'node_id', 'status']).where('scheduled_for', '=', new Date(at).toISOString()).where('subscription_id', 'in', subs).execute();
  const perSub = new Map<number, number>();
  for (const r of rows) perSub.set(r.subscription_id, (perSub.get(r.subscription_id) ?? 0) + 1);
  const perNode = new Map<number | null, number>();
  for (const r of rows) perNode.set(r.node_id, (perNode.get(r.node_id) ?? 0) + 1);
  return { rows, perNode, twice: [...perSub.values()].filter((n) => n > 1).length, subsWithRow: perSub.size };
}

const nextSlot = (after: number) => Math.ceil((after + 1) / minute) * minute;

describe.skipIf(skipWithout(postgres, 'the fleet with real processes'))('a fleet of three botd nodes on one PostgreSQL', () => {
  const pg = usePostgres();
  let url = '';
  let connection: Connection;
  const homes: ReturnType<typeof temporaryHome>[] = [];
  const nodes: Node[] = [];
  let subs: number[] = [];
  let nodeIds = new Map<string, number>();
  let watched = 0;
  let fleetEnv: Record<string, string> = {};
  let receiver: WebhookReceiver | undefined;
  const hookSecret = 'fleet-hook-secret';

  beforeAll(async () => {
    url = await pg.server.createDatabase();
    connection = await openDatabase('/nonexistent', { url: parsePostgresUrl(url, 'test') });
    const bot = await addBot(connection.db, 'noop');
    subs = [];
    for (let i = 0; i < subscriptions; i++) subs.push(await addSubscription(connection.db, bot, { schedule: '* * * * *', timeoutMs: 30_000 }));
    // The subscription botctl pauses, resumes and edits: yearly, so that it never runs in these minutes.
    watched = await addSubscription(connection.db, bot, { schedule: '0 0 1 1 *' });
    // What every node must share besides the database: the object store (a folder declared shared here).
    const shared = temporaryHome();
    homes.push(shared);
    // The same master key on every node: a channel's secrets added from one home open on all of them.
    fleetEnv = { BOTCTL_DATABASE_URL: url, BOTCTL_OBJECTS_DIR: shared.home, BOTCTL_MASTER_KEY: randomBytes(32).toString('base64') };
    receiver = await webhookReceiver(hookSecret);
    const channel = await botctl(shared.home, ['notify', 'add', 'ops', '--webhook', receiver.url, '--on', 'daemon'], { input: `${hookSecret}\n`, env: fleetEnv });
    expect(channel.exitCode, channel.stderr).toBe(0);
    for (const name of ['n1', 'n2', 'n3']) {
      const home = temporaryHome();
      homes.push(home);
      nodes.push({ name, home: home.home, botd: startBotd(home.home, ['--node-name', name, '--concurrency', '4'], fleetEnv) });
    }
    for (const node of nodes) await node.botd.waitFor('start-up', (l) => l.msg === 'botd started', 120_000);
    const rows = await connection.db.selectFrom('nodes').select(['id', 'name']).where('stopped_at', 'is', null).execute();
    nodeIds = new Map(rows.map((r) => [r.name, r.id]));
    // Every node sees all three before the slots counted below.
    await until('every node to see three nodes', () => nodes.every((n) => n.botd.lines.some((l) => (l.msg === 'fleet changed' && (l.members as number[]).length === 3) || (l.msg === 'botd started' && l.nodes === 3))), 30_000);
  }, 240_000);

  afterAll(async () => {
    killAllBotds();
    await receiver?.close();
    await connection?.close();
    for (const home of homes) home.remove();
  });

  let firstSlot = 0;

  it('runs every slot exactly once over three slots, each node 1/3 of them (±20%)', async () => {
    firstSlot = nextSlot(Date.now() + 2_000);
    const slots = [firstSlot, firstSlot + minute, firstSlot + 2 * minute];
    const perNode = new Map<number | null, number>();
    for (const slot of slots) {
      const runs = await until(`all ${subscriptions} runs of ${new Date(slot).toISOString()} to finish`, async () => {
        const r = await slotRuns(connection.db, slot, subs);
        return r.rows.length >= subscriptions && r.rows.every((row) => row.status !== 'running') ? r : undefined;
      }, 2 * minute + 30_000);
      expect(runs.twice).toBe(0);
      expect(runs.subsWithRow).toBe(subscriptions);
      expect(runs.rows.filter((r) => r.status !== 'succeeded')).toEqual([]);
      for (const [node, n] of runs.perNode) perNode.set(node, (perNode.get(node) ?? 0) + n);
    }
    const total = subscriptions * slots.length;
    expect([...perNode.keys()].sort()).toEqual([...nodeIds.values()].sort());
    for (const n of perNode.values()) expect(Math.abs(n - total / 3)).toBeLessThanOrEqual(0.2 * (total / 3));
    const listed = await botctl(homes[1]!.home, ['nodes', '--json'], { env: fleetEnv });
    expect(listed.exitCode).toBe(0);
    const report = JSON.parse(listed.stdout) as { live: number; nodes: { name: string; state: string; share: number; lease_age_s: number }[] };
    expect(report.live).toBe(3);
    for (const node of report.nodes) {
      expect(node.state).toBe('live');
      expect(node.lease_age_s).toBeLessThan(15);
      expect(Math.abs(node.share - 1 / 3)).toBeLessThan(0.2 / 3);
    }
    expect(listed.stdout).not.toContain('postgres://');
  }, 5 * minute);

  it('carries pause, resume and a schedule edit to every node within 2 s', async () => {
    const env = fleetEnv;
    const seen = async (what: string, match: (fields: Record<string, unknown>) => boolean, since: number) => {
      for (const node of nodes) {
        const line = await node.botd.waitFor(`${node.name} to reload after ${what}`, (l) => l.msg === 'schedule reloaded' && Date.parse(l.time) >= since && match(l), 10_000);
        expect(Date.parse(line.time) - since, `${node.name} after ${what}`).toBeLessThan(2_000);
      }
    };
    // From the moment the change was written (botctl stamps updated_at in its transaction): botctl's own start-up,
    // seconds on a loaded machine, is not the fleet's latency.
    const writtenAt = async () => Date.parse((await connection.db.selectFrom('subscriptions').select('updated_at').where('id', '=', watched).executeTakeFirstOrThrow()).updated_at);
    expect((await botctl(homes[1]!.home, ['pause', String(watched)], { env })).exitCode).toBe(0);
    await seen('pause', (l) => l.removed === 1, await writtenAt());
    expect((await botctl(homes[2]!.home, ['resume', String(watched)], { env })).exitCode).toBe(0);
    await seen('resume', (l) => l.added === 1, await writtenAt());
    // No botctl command edits a schedule yet: the update any writer makes fires the same trigger.
    const since = Date.now();
    await connection.db.updateTable('subscriptions').set({ schedule: '0 0 2 1 *' }).where('id', '=', watched).execute();
    await seen('a schedule edit', (l) => l.changed === 1, since);
  }, minute);

  it('finds a node killed with -9 mid-slot lost within 30 s, records its runs abandoned, and gives its share to the others', async () => {
    // Slow runs, so that the killed node has runs under way at the kill.
    const slow = await addBot(connection.db, 'slow');
    const slowSubs: number[] = [];
    for (let i = 0; i < 12; i++) slowSubs.push(await addSubscription(connection.db, slow, { schedule: '* * * * *', config: { ms: 8_000 }, timeoutMs: 50_000 }));
    const victim = nodes[2]!;
    const victimId = nodeIds.get(victim.name)!;
    // Their first slot: the next one, or the one after when the nodes' reload comes after it on a loaded machine.
    const underWay = await victim.botd.waitFor('a slow run under way', (l) => l.msg === 'run started' && slowSubs.includes(l.subscription_id as number), 3 * minute);
    const slot = Date.parse(underWay.scheduled_for as string);
    const killedAt = Date.now();
    victim.botd.kill('SIGKILL');
    await victim.botd.exit;
    const lostLine = await Promise.any(nodes.slice(0, 2).map((n) => n.botd.waitFor('the victim to be found lost', (l) => l.msg === 'node lost: no heartbeat within its lease; its share moves to the other nodes' && l.lost_node === victimId, 45_000)));
    expect(Date.parse(lostLine.time) - killedAt).toBeLessThan(30_000);
    const abandoned = await until('its runs to be recorded abandoned', async () => {
      const rows = await connection.db.selectFrom('runs').select(['id', 'status', 'error']).where('node_id', '=', victimId).where('status', 'in', ['running', 'abandoned']).execute();
      return rows.length > 0 && rows.every((r) => r.status === 'abandoned') ? rows : undefined;
    }, 30_000);
    expect(abandoned[0]?.error).toBe('its node was lost (no heartbeat within its lease)');
    // And the operator hears of it: one signed message from the node that found it, pointing at `botctl nodes`.
    const notice = await until('the node-lost notification', () => receiver!.received.find((r) => r.json.event === 'node.lost'), 30_000);
    expect(notice.signatureValid).toBe(true);
    expect(String(notice.json.text)).toMatch(/^botd node n3 on \S+ was lost: no heartbeat since \S+; [1-9]\d* running runs recorded abandoned/);
    expect(notice.json.command).toBe('botctl nodes');
    expect(receiver!.received.filter((r) => r.json.event === 'node.lost')).toHaveLength(1);
    // The next slot: all of it on the two others, once each.
    const next = slot + minute;
    const all = [...subs, ...slowSubs];
    const runs = await until('the next slot to be claimed whole', async () => {
      const r = await slotRuns(connection.db, next, all);
      return r.rows.length >= all.length ? r : undefined;
    }, 2 * minute);
    expect(runs.twice).toBe(0);
    expect(runs.perNode.get(victimId)).toBeUndefined();
    for (const survivor of nodes.slice(0, 2)) expect(runs.perNode.get(nodeIds.get(survivor.name)!) ?? 0).toBeGreaterThan(all.length * 0.3);
    // Nothing of the killed node's slot ran again.
    const victimSlot = await slotRuns(connection.db, slot, all);
    expect(victimSlot.twice).toBe(0);
    // Paused again (from botctl), so that the slots below hold only the no-op subscriptions.
    for (const id of slowSubs) expect((await botctl(homes[1]!.home, ['pause', String(id)], { env: fleetEnv })).exitCode).toBe(0);
  }, 5 * minute);

  it('survives PostgreSQL stopped across a slot boundary: the nodes reconnect, the missed slot is caught up once', async () => {
    const survivors = nodes.slice(0, 2);
    // Stopped 4 s before a slot, started again 6 s after it: no node can claim the slot at its time.
    const slot = nextSlot(Date.now() + 10_000);
    await sleep(slot - 4_000 - Date.now());
    await connection.close();
    await pg.server.down();
    await sleep(slot + 6_000 - Date.now());
    await pg.server.up();
    connection = await openDatabase('/nonexistent', { url: parsePostgresUrl(url, 'test') });
    const runs = await until('the missed slot to be caught up whole', async () => {
      const r = await slotRuns(connection.db, slot, subs);
      return r.rows.length >= subscriptions && r.rows.every((row) => row.status !== 'running') ? r : undefined;
    }, 2 * minute);
    expect(runs.twice).toBe(0);
    expect(runs.rows.filter((r) => r.status !== 'succeeded')).toEqual([]);
    for (const node of survivors) {
      expect(node.botd.lines.some((l) => l.msg === 'change feed interrupted; reconnecting')).toBe(true);
      expect(node.botd.lines.some((l) => l.msg === 'missed runs after downtime' && Date.parse(l.time) > slot)).toBe(true);
    }
    // Both kept (or regained) their leases: neither was taken for lost while the database was away.
    const live = await connection.db.selectFrom('nodes').select(['name']).where('stopped_at', 'is', null).execute();
    expect(live.map((n) => n.name).sort()).toEqual(['n1', 'n2']);
  }, 5 * minute);
});
