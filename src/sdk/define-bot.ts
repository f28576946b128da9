import type { ZodType } from 'zod';
import type { BotDefinition } from './types.js';

// A global symbol, so the brand survives a bot being bundled with its own copy of the SDK.
export const botBrand: unique symbol = Symbol.for('botctl.bot') as never;

export type DefinedBot<Schema extends ZodType = ZodType> = BotDefinition<Schema> & { readonly [botBrand]: true };

export function defineBot<Schema extends ZodType>(definition: BotDefinition<Schema>): DefinedBot<Schema> {
  return Object.freeze({ ...definition, [botBrand]: true as const });
}

export function isDefinedBot(value: unknown): value is DefinedBot {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[botBrand] === true;
}
