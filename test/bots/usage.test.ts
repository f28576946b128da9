import { describe, expect, it } from 'vitest';
import { listTemplateFiles } from '../../src/bots/templates.js';
import { usageReport } from '../../src/bots/usage.js';
import { useTemporaryDatabase } from '../support/database.js';
import { makeBot, makeSubscription } from '../support/fixtures.js';

describe('usageReport', () => {
  const temp = useTemporaryDatabase();

  it('lists every template file with zero counts on an empty home', async () => {
    const report = await usageReport(temp.db);
    const templates = listTemplateFiles();
    expect(report.files.map((f) => f.code_path)).toEqual(templates.map((t) => t.codePath));
    expect(report.files.every((f) => f.bots === 0 && f.subscriptions === 0 && f.kind === 'template')).toBe(true);
    const bytes = templates.reduce((sum, t) => sum + t.bytes, 0);
    expect(report.totals).toEqual({ bots: 0, subscriptions: 0, files: templates.length, bytes_on_disk: bytes, bytes_if_copied: bytes, bytes_saved: 0 });
  });

  it('counts bots and subscriptions per code path, and the bytes a copy per bot would need', async () => {
    const { db } = temp;
    const a = await makeBot(db, 'a');
    await makeBot(db, 'b');
    const c = await makeBot(db, 'c', { template: 'binance_futures_bot' });
    await makeSubscription(db, a);
    await makeSubscription(db, a);
    await makeSubscription(db, c);
    const report = await usageReport(db);
    const sma = report.files.find((f) => f.code_path === 'bot_files/simple_sma_bot.ts');
    const futures = report.files.find((f) => f.code_path === 'bot_files/binance_futures_bot.ts');
    const smaBytes = listTemplateFiles().find((t) => t.name === 'simple_sma_bot')?.bytes ?? -1;
    const futuresBytes = listTemplateFiles().find((t) => t.name === 'binance_futures_bot')?.bytes ?? -1;
    expect(sma).toEqual({ code_path: 'bot_files/simple_sma_bot.ts', kind: 'template', bots: 2, subscriptions: 2, bytes: smaBytes });
    expect(futures).toMatchObject({ bots: 1, subscriptions: 1, bytes: futuresBytes });
    expect(report.totals.bots).toBe(3);
    expect(report.totals.subscriptions).toBe(3);
    // Only real sharing saves: the second sma bot's copy; the futures template has one bot and saves nothing.
    expect(report.totals.bytes_saved).toBe(smaBytes);
    expect(report.totals.bytes_if_copied - report.totals.bytes_on_disk).toBe(report.totals.bytes_saved);
  });
});
