import { validateExchangeId } from '../../bots/create-template-bot.js';
import { parseCredentials } from '../../secrets/credentials-input.js';
import { addKey, type KeyListing } from '../../secrets/keys.js';
import type { Arguments, Options } from '../commands.js';
import type { CommandContext } from '../context.js';
import { success } from '../output.js';
import { readSecretInput } from '../read-secret-input.js';

export async function run(context: CommandContext, [name]: Arguments<'keys add'>, options: Options<'keys add'>): Promise<KeyListing> {
  // Before the secret is asked for: a wrong exchange id is refused without reading it.
  validateExchangeId(options.exchange);
  const credentials = parseCredentials(await readSecretInput());
  const { db } = await context.database();
  return addKey(db, context.home, { name: name ?? '', exchange: options.exchange, credentials });
}

export function render(key: KeyListing): string {
  return success(`Stored API key ${key.name} for ${key.exchange}, encrypted\n  next: botctl subscribe BOT … --mode testnet --key ${key.name}`);
}
