import { describeTemplates, type TemplateRow } from '../../bots/describe-templates.js';
import type { CommandContext } from '../context.js';
import { table } from '../output.js';

export async function run(context: CommandContext): Promise<TemplateRow[]> {
  const { db } = await context.database();
  return describeTemplates(db, context.home);
}

export function render(rows: TemplateRow[]): string {
  return table(
    ['template', 'description', 'config fields', 'bots'],
    rows.map((r) => [r.name, r.description, r.config_fields.join(', '), r.bots]),
  );
}
