// The two halves of a network-lab test file. Outside a lab the file is one test that re-runs it in a lab
// namespace of its own (runner.ts) and checks that the inner run passed; inside, the suite runs with a lab created
// before its tests and torn down after them, even when one fails.
import { after, before, describe, test } from 'node:test';
import { labId, NetLab } from './lab.ts';
import { assertLabRunPasses } from './runner.ts';

export function labSuite(
  file: string,
  outer: { what: string; passes: number; timeoutMs?: number },
  title: string,
  body: (lab: () => NetLab) => void,
): void {
  if (!labId()) {
    test(outer.what, async () => {
      await assertLabRunPasses(file, outer.passes, outer.timeoutMs);
    });
    return;
  }
  describe(title, () => {
    let lab: NetLab | undefined;
    before(async () => {
      lab = await NetLab.create();
    });
    after(async () => {
      await lab?.close();
    });
    body(() => {
      if (!lab) throw new Error('the lab is created before the suite’s tests run');
      return lab;
    });
  });
}
