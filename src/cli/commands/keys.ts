import { listKeys, type KeyListing } from '../../secrets/keys.js';
import type { CommandContext } from '../context.js';
import { table } from '../output.js';

// Names, exchanges and dates only: a listing never decrypts anything.
export async function run(context: CommandContext): Promise<KeyListing[]> {
  const { db } = await context.database();
  return listKeys(db);
}

export function render(keys: KeyListing[]): string {
  if (keys.length === 0) return 'No API keys stored.\n  next: botctl keys add NAME --exchange binanceusdm   (key and secret on stdin)';
  return table(['name', 'exchange', 'created', 'subscriptions'], keys.map((k) => [k.name, k.exchange, k.created_at, k.subscriptions]));
}
