import type { Kysely } from 'kysely';
import type { Database, Bot } from '../db/schema.js';
import { conflict, invalid, shown } from '../errors.js';
import { findTemplate } from './templates.js';
import { validateDescription, validateName } from './names.js';
import { ccxtVersion, exchangeIds } from './exchange-ids.js';

export interface CreateTemplateBotInput {
  template: string;
  name: string;
  /** Default `default`, as for uploads. */
  developer?: string | undefined;
  /** Default binanceusdm, as for uploads. */
  exchange?: string | undefined;
  description?: string | undefined;
}

// A template bot is one row whose code_path points at the shared template file: nothing is copied.
export async function createTemplateBot(db: Kysely<Database>, input: CreateTemplateBotInput): Promise<Bot> {
  const name = validateName('--name', input.name);
  const developer = validateName('--developer', input.developer ?? 'default');
  const exchange = validateExchangeId(input.exchange ?? 'binanceusdm');
  const template = findTemplate(input.template);
  const description = input.description === undefined ? null : validateDescription(input.description);
  try {
    return await db
      .insertInto('bots')
      .values({
        name,
        developer_id: developer,
        kind: 'template',
        template: template.name,
        code_path: template.codePath,
        exchange_type: exchange,
        description,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw conflict(`A bot named ${JSON.stringify(name)} already exists for developer ${JSON.stringify(developer)}.`, 'botctl bots');
    }
    throw error;
  }
}

// Against ccxt's own list, generated at build time (exchange-ids.ts): loading ccxt to ask would cost
// `create` about a second.
const knownExchanges = new Set(exchangeIds);

export function validateExchangeId(value: string): string {
  if (!/^[a-z][a-z0-9]{1,31}$/.test(value)) {
    throw invalid(`Expected \`--exchange\` to be a ccxt exchange id such as binanceusdm, got ${shown(value)}.`);
  }
  if (!knownExchanges.has(value)) {
    throw invalid(
      `Expected \`--exchange\` to be one of ccxt ${ccxtVersion}'s ${knownExchanges.size} exchange ids (such as binanceusdm), got ${shown(value)}.`,
      'the full list: node -e "console.log(require(\'ccxt\').exchanges.join(\' \'))"',
    );
  }
  return value;
}


/** A unique constraint refused the row: SQLite's code, or PostgreSQL's SQLSTATE 23505. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}
