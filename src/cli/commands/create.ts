import { createTemplateBot } from '../../bots/create-template-bot.js';
import type { Arguments, Options } from '../commands.js';
import type { CommandContext } from '../context.js';
import { success } from '../output.js';

export interface CreatedBot {
  id: number;
  name: string;
  kind: 'template';
  template: string;
  code_path: string;
}

export async function run(
  context: CommandContext, _args: Arguments<'create'>, options: Options<'create'>): Promise<CreatedBot> {
  const { db } = await context.database();
  const bot = await createTemplateBot(db, options);
  return { id: bot.id, name: bot.name, kind: 'template', template: bot.template ?? '', code_path: bot.code_path };
}

export function render(bot: CreatedBot): string {
  return `${success(`Created bot ${bot.name} (id ${bot.id}) from template ${bot.template}`)}\n  code: ${bot.code_path} (shared, not copied)\n  next: botctl subscribe ${bot.name} --pair BTC/USDT:USDT --schedule "*/15 * * * *"`;
}
