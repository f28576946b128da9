import { listNodes, type NodesReport } from '../../fleet/list-nodes.js';
import type { Arguments, Options } from '../commands.js';
import type { CommandContext } from '../context.js';
import { table } from '../output.js';

// The botd nodes sharing this database (README, "Running a fleet").
export async function run(context: CommandContext, _args: Arguments<'nodes'>, options: Options<'nodes'>): Promise<NodesReport> {
  const { db } = await context.database();
  return listNodes(db, { all: Boolean(options.all) });
}

export function render(r: NodesReport): string {
  if (r.nodes.length === 0) return 'No botd has run on this database yet (or none in the last day: --all).';
  return [
    table(
      ['id', 'name', 'host', 'pid', 'state', 'lease age', 'running', `share (${r.window_minutes} min)`],
      r.nodes.map((n) => [n.id, n.name, n.host, n.pid, n.state, `${n.lease_age_s} s`, n.running, `${Math.round(n.share * 1000) / 10} % (${n.recent_runs})`]),
    ),
    `${r.live} live node${r.live === 1 ? '' : 's'}`,
  ].join('\n');
}
