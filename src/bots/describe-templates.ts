// Every template file (templateDir(), so BOTCTL_BOT_FILES too), described by its own code inside the sandbox
// (one short child each, bundles cached), with how many bots use it.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { homePaths } from '../home.js';
import { bundleBot } from './bundle.js';
import { describeBot } from './describe-bot.js';
import { listTemplateFiles } from './templates.js';

export interface TemplateRow {
  name: string;
  code_path: string;
  description: string;
  config_fields: string[];
  bots: number;
}

export async function describeTemplates(db: Kysely<Database>, home: string): Promise<TemplateRow[]> {
  const counts = await db
    .selectFrom('bots')
    .select(['code_path', (eb) => eb.fn.countAll<number>().as('bots')])
    .where('kind', '=', 'template')
    .groupBy('code_path')
    .execute();
  const botsByPath = new Map(counts.map((c) => [c.code_path, Number(c.bots)]));
  const cache = homePaths(home).bundleCache;
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
