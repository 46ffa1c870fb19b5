// A participant's link goes down for 10 s in the middle of a call (the router forwards nothing, both ways) and
// comes back: media must return within 3 s of the link returning (ICE recovers or restarts, the signaling socket
// resumes its place), and the other side never sees a leave. Runs in a lab of its own; figures print as MEASURE.
import assert from 'node:assert/strict';
import { loadavg } from 'node:os';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LabCall, type LabParticipant, labSuite, sleep } from '../support/netlab/index.ts';

const thisFile = fileURLToPath(import.meta.url);
const DOWN_MS = 10_000;
/** The issue's target for media after the link returns, reported beside the measured figure. */
const BACK_TARGET_MS = 3_000;

labSuite(
  thisFile,
  {
    what: 'a link down for 10 s in the network lab: media back within 3 s, no leave seen',
    passes: 1,
    timeoutMs: 900_000,
  },
  'a link that goes down for 10 s',
  (lab) => {
    test('media comes back when the link returns (target 3 s, printed) and nobody sees a leave', async () => {
      const call = await LabCall.start();
      try {
        const doc = await call.addClinician('clinician', await lab().addHost('down-doc', 'fibre'));
        const patient = await call.addGuest('patient', await lab().addHost('down-pat', 'dsl'));
        await framesGrow(doc, patient.id, 30_000);
        await framesGrow(patient, doc.id, 30_000);

        const downAt = Date.now();
        await patient.host.setLinkUp(false);
        await sleep(DOWN_MS);
        // Nothing gets through while the link is down.
        const stalled = await frames(doc, patient.id);
        await sleep(1000);
        assert.ok((await frames(doc, patient.id)) - stalled <= 1, 'no media while the link is down');
        await patient.host.setLinkUp(true);
        const upAt = Date.now();
        const [toDoc, toPatient] = await Promise.all([
          framesGrow(doc, patient.id, 90_000, 250),
          framesGrow(patient, doc.id, 90_000, 250),
        ]);
        const docMs = toDoc - upAt;
        const patientMs = toPatient - upAt;
        console.log(
          `MEASURE link back -> media: clinician sees patient ${docMs} ms, patient sees clinician ${patientMs} ms`,
        );
        for (const p of [patient, doc]) {
          const reports = await p.page.evaluate(() => window.lab.bandwidthReports());
          const text = reports.map((r) => `${r.sample.uplinkKbps}/${r.sample.downlinkKbps}`).join(', ');
          console.log(`MEASURE ${p.name} reported up/down kbit/s: ${text}`);
        }
        // Both sides restarted ICE while the link was down; their offers cross once it is back (the signaling
        // socket survived, its TCP segments only late) and ICE has meanwhile recovered on its old session. The
        // restart must still complete, as a renegotiation the engine's negotiation events count (the switch tests
        // hold each switch to at most one), and leave no offer unanswered, or that connection could never
        // negotiate again: when a side's socket dies after all and resumes, an answer it sent into the dead socket
        // is lost, and the server's `peer-resumed` makes the other side send its offer again (seen once in 7 runs
        // before that existed: ['have-local-offer', 'stable'] 31 s after the link came back).
        // Each side: the renegotiations since the link went down, its connections' signaling states, ICE restarts.
        const sides = () =>
          Promise.all(
            [doc, patient].map((p) =>
              p.page.evaluate(
                (since) => ({
                  again: window.lab.negotiationsSince(since).filter((n) => n.count > 1),
                  states: window.lab.signalingStates(),
                  restarts: window.lab.iceRestarts(),
                }),
                downAt,
              ),
            ),
          );
        // (A machine slow enough to see `disconnected` late may find the link back before restarting at all.)
        const settled = (all: Awaited<ReturnType<typeof sides>>) =>
          all.every((x) => x.states.every((st) => st === 'stable')) &&
          (all.every((x) => x.restarts === 0) || all.some((x) => x.again.length > 0));
        const settleBy = Date.now() + 30_000;
        let now = await sides();
        while (!settled(now) && Date.now() < settleBy) {
          await sleep(250);
          now = await sides();
        }
        const again = now.flatMap((x) => x.again);
        const restarted = now.reduce((n, x) => n + x.restarts, 0);
        console.log(
          `MEASURE link back -> restart renegotiated: ${Date.now() - upAt} ms, ${restarted} ICE restarts, ` +
            `renegotiations: ${again.map((n) => `${n.role} #${n.count}`).join(', ') || 'none'}; ` +
            `signaling states now ${now.flatMap((x) => x.states).join(', ')}`,
        );
        if (restarted > 0) assert.ok(again.length > 0, "the ICE restart's offer/answer completed");
        assert.ok(
          now.every((x) => x.states.every((st) => st === 'stable')),
          `no offer is left unanswered (signaling states ${now.flatMap((x) => x.states).join(', ')})`,
        );
        const lefts = await doc.page.evaluate(() => window.lab.peerLefts());
        assert.deepEqual(lefts, [], 'the clinician never saw the patient leave');
        assert.equal(await patient.page.evaluate(() => window.lab.state()), 'joined');
        // The 3 s target is a figure to report, not a pass/fail timing on a loaded CI machine: the MEASURE line
        // above carries it; the test asserts that media comes back at all and nobody saw a leave.
        if (docMs > BACK_TARGET_MS || patientMs > BACK_TARGET_MS) {
          console.log(`MEASURE over the ${BACK_TARGET_MS} ms target (machine load ${loadavg()[0]})`);
        }
      } catch (err) {
        console.error(await call.dump());
        throw err;
      } finally {
        await call.close();
      }
    });
  },
);

async function frames(receiver: LabParticipant, sender: string): Promise<number> {
  return (await receiver.page.evaluate(() => window.lab.received()))[sender]?.framesDecoded ?? 0;
}

/** Date.now() when `receiver` first decodes new frames of `sender` (polled every `everyMs`). */
async function framesGrow(
  receiver: LabParticipant,
  sender: string,
  timeoutMs: number,
  everyMs = 500,
): Promise<number> {
  let last = await frames(receiver, sender);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await sleep(everyMs);
    const f = await frames(receiver, sender);
    if (f > last) return Date.now();
    last = Math.max(last, f);
    if (Date.now() > deadline) assert.fail(`${receiver.name} does not decode ${sender} again`);
  }
}
