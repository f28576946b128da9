import { homePaths } from '../../home.js';
import { listTemplateFiles } from '../../bots/templates.js';
import { bundleBot } from '../../bots/bundle.js';
import { describeBot } from '../../bots/describe-bot.js';
import type { CommandContext } from '../context.js';
import { described } from '../output.js';

export interface TemplateRow {
  name: string;
  code_path: string;
  description: string;
  config_fields: string[];
  bots: number;
}

export async function run(context: CommandContext): Promise<TemplateRow[]> {
  const { db } = await context.database();
  const counts = await db
    .selectFrom('bots')
    .select(['code_path', (eb) => eb.fn.countAll<number>().as('bots')])
    .where('kind', '=', 'template')
    .groupBy('code_path')
    .execute();
  const botsByPath = new Map(counts.map((c) => [c.code_path, Number(c.bots)]));
  const cache = homePaths(context.home).bundleCache;
  return Promise.all(
    listTemplateFiles().map(async (template) => {
      const bundle = await bundleBot(template.absolutePath, cache);
      const description = await describeBot(bundle.path, template.codePath, undefined, { custom: false });
      const schema = description.configSchema as { properties?: Record<string, unknown> };
      return {
        name: template.name,
        code_path: template.codePath,
        description: description.description,
        config_fields: Object.keys(schema.properties ?? {}),
        bots: botsByPath.get(template.codePath) ?? 0,
      };
    }),
  );
}

// A list rather than a table: at 80 columns a description and a dozen config fields only read one under another.
export function render(rows: TemplateRow[]): string {
  return described(
    rows.map((r) => ({
      title: r.name,
      note: `${r.bots} bot${r.bots === 1 ? '' : 's'}`,
      fields: [
        ['', r.description],
        ['config', r.config_fields.join(', ') || '(none)'],
      ],
    })),
  );
}
