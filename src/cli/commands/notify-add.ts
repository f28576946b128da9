import { invalid } from '../../errors.js';
import { parseTelegramSecrets, parseWebhookSecret, parseWebhookUrl } from '../../notify/channel-secrets.js';
import { addChannel, type ChannelListing } from '../../notify/channels.js';
import { parseEventKinds } from '../../notify/event-kinds.js';
import type { Arguments, Options } from '../commands.js';
import type { CommandContext } from '../context.js';
import { success } from '../output.js';
import { readChannelSecrets } from '../read-channel-secrets.js';

export async function run(context: CommandContext, [name]: Arguments<'notify add'>, options: Options<'notify add'>): Promise<ChannelListing> {
  if (Boolean(options.webhook) === Boolean(options.telegram)) throw invalid('Expected exactly one of --webhook URL or --telegram.');
  const events = parseEventKinds(options.on);
  const { db } = await context.database();
  if (options.webhook !== undefined) {
    // `--webhook -`: the URL is the first line on stdin, for URLs that carry a token (argv shows in ps).
    const fromStdin = options.webhook === '-';
    const input = await readChannelSecrets(fromStdin ? 'webhook-url' : 'webhook');
    const [first = '', ...rest] = input.replace(/^\uFEFF/, '').trimStart().split(/\r?\n/);
    const url = parseWebhookUrl(fromStdin ? first.trim() : options.webhook);
    const secret = parseWebhookSecret(fromStdin ? rest.join('\n') : input);
    return addChannel(db, context.home, { name: name ?? '', kind: 'webhook', events, secrets: { url: url.href, secret } });
  }
  const secrets = parseTelegramSecrets(await readChannelSecrets('telegram'));
  return addChannel(db, context.home, { name: name ?? '', kind: 'telegram', events, secrets });
}

export function render(channel: ChannelListing): string {
  return success(`Stored ${channel.kind} channel ${channel.name} (${channel.events.join(',')}), encrypted\n  next: botctl notify test ${channel.name}`);
}
