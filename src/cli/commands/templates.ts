import { describeTemplates, type TemplateRow } from '../../bots/describe-templates.js';
import type { CommandContext } from '../context.js';
import { described } from '../output.js';

export async function run(context: CommandContext): Promise<TemplateRow[]> {
  const { db } = await context.database();
  return describeTemplates(db, context.home);
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
