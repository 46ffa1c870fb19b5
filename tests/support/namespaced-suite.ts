// The two halves of a browser test file. WebRTC must only find loopback candidates, so the file first runs as one
// test that re-runs itself under `unshare --net` (a loopback-only network namespace) and checks that the inner run
// passed; inside the namespace the suite itself runs.
import { describe, test } from 'node:test';
import { assertNamespacedRunPasses, inLoopbackNamespace } from './chromium.ts';

export function namespacedSuite(
  file: string,
  /** `prepare` runs before the inner run (e.g. building the web apps it serves). */
  outer: { what: string; passes: number; prepare?: () => void | Promise<void> },
  title: string,
  body: () => void,
): void {
  if (!inLoopbackNamespace()) {
    test(`${outer.what}, inside a loopback-only network namespace`, async () => {
      await outer.prepare?.();
      await assertNamespacedRunPasses(file, outer.passes);
    });
  } else describe(title, body);
}
