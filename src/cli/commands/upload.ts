import { uploadBot } from '../../bots/upload.js';
import { assertFleetStore, openObjectStore, storeConfig } from '../../store/open-store.js';
import type { Arguments, Options } from '../commands.js';
import type { CommandContext } from '../context.js';
import { keyValues, success } from '../output.js';

export interface UploadedBot {
  id: number;
  name: string;
  kind: 'custom';
  version: number;
  code_path: string;
  sha256: string;
  bundle_path: string;
  bundle_sha256: string;
  size: number;
  /** True when this exact file already was a version of the bot: nothing new was stored. */
  reused: boolean;
  store: string;
}

export async function run(context: CommandContext, [file]: Arguments<'upload'>, options: Options<'upload'>): Promise<UploadedBot> {
  if (context.databaseUrl) assertFleetStore(storeConfig(context.home), context.databaseLocation);
  const store = openObjectStore(context.home);
  try {
    const { db } = await context.database();
    const { bot, version, reused } = await uploadBot(db, context.home, store, { file: file ?? '', ...options });
    return {
      id: bot.id,
      name: bot.name,
      kind: 'custom',
      version: version.version,
      code_path: version.code_path,
      sha256: version.sha256,
      bundle_path: version.bundle_path,
      bundle_sha256: version.bundle_sha256,
      size: version.size,
      reused,
      store: store.describe(),
    };
  } finally {
    store.close();
  }
}

export function render(u: UploadedBot): string {
  const headline = u.reused
    ? `${u.name} (id ${u.id}) already has this code as version ${u.version}; nothing new stored`
    : `Uploaded ${u.name} (id ${u.id}) version ${u.version}`;
  return [
    success(headline),
    keyValues([
      ['source', u.code_path],
      ['sha256', u.sha256],
      ['bundle', u.bundle_path],
      ['store', u.store],
    ]),
    `next: botctl subscribe ${u.name} --pair BTC/USDT:USDT --schedule "*/15 * * * *"   (or botctl versions ${u.name})`,
  ].join('\n');
}
