// Sends one test message now, from this process, once (no retries), and reports what the receiver answered.
import type { Answer } from '../../notify/answer.js';
import { loadChannels } from '../../notify/channels.js';
import { testNotice } from '../../notify/notice.js';
import { singleMessage } from '../../notify/payload.js';
import { sendTelegram } from '../../notify/telegram.js';
import { sendWebhook } from '../../notify/webhook.js';
import type { Arguments } from '../commands.js';
import type { CommandContext } from '../context.js';
import { failure, success } from '../output.js';

export interface TestResult {
  channel: string;
  kind: 'webhook' | 'telegram';
  delivered: boolean;
  status: number | null;
  answer: string;
}

export async function run(context: CommandContext, [name]: Arguments<'notify test'>): Promise<TestResult> {
  const { db } = await context.database();
  const [channel] = await loadChannels(db, context.home, name ?? '');
  if (!channel) throw new Error('unreachable: loadChannels throws for an unknown name');
  const message = singleMessage(testNotice(channel.name));
  const answer: Answer = channel.kind === 'webhook'
    ? await sendWebhook(channel.secrets, JSON.stringify(message.payload))
    : await sendTelegram(channel.secrets, message.text);
  return { channel: channel.name, kind: channel.kind, delivered: answer.ok, status: answer.status, answer: answer.text };
}

export function render(result: TestResult): string {
  const status = result.status === null ? 'no HTTP answer' : `HTTP ${result.status}`;
  if (result.delivered) return success(`Test message delivered to ${result.channel} (${result.kind}): ${status}, ${result.answer}`);
  return failure(`Test message to ${result.channel} (${result.kind}) not delivered: ${status}, ${result.answer}\n  next: check the ${result.kind === 'webhook' ? 'URL and the receiver' : 'bot token, chat id and that the bot is in the chat'}, then botctl notify rm ${result.channel} and add it again`);
}

export function exitCode(result: TestResult): number {
  return result.delivered ? 0 : 1;
}
