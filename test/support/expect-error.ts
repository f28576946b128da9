import { expect } from 'vitest';
import { BotctlError } from '../../src/errors.js';

// Awaits a promise (or calls a function) that must fail with a BotctlError; returns it for more checks.
export async function expectBotctlError(
  work: Promise<unknown> | (() => unknown),
  expected: { exitCode?: 1 | 2; message?: RegExp | string; hint?: RegExp | string } = {},
): Promise<BotctlError> {
  let error: unknown;
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (caught) {
    error = caught;
  }
  expect(error, 'expected a BotctlError to be thrown').toBeInstanceOf(BotctlError);
  const e = error as BotctlError;
  expect(e.exitCode).toBe(expected.exitCode ?? 2);
  if (expected.message !== undefined) {
    if (typeof expected.message === 'string') expect(e.message).toContain(expected.message);
    else expect(e.message).toMatch(expected.message);
  }
  if (expected.hint !== undefined) {
    if (typeof expected.hint === 'string') expect(e.hint).toContain(expected.hint);
    else expect(e.hint).toMatch(expected.hint);
  }
  return e;
}

// Awaits a promise that must reject, with any error; returns it for checks of its own.
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}
