// Polls a value computed in a page until a test-side condition on it holds: for conditions that compare with an
// earlier sample (frames decoded rising), which waitForFunction cannot express. Fails with the last value seen.
import assert from 'node:assert/strict';
import type { ParticipantPage } from './browser-engine.ts';

const POLL_MS = 100;

export async function untilPage<T>(
  page: ParticipantPage,
  read: () => T | Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = (await page.evaluate(read)) as T;
    if (ok(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}; last ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
