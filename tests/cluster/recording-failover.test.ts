// A recorded consultation whose node goes away (docs/cluster.md): recording runs on the node that holds the room,
// and does not move with it. Real server processes with their SFU (a mediasoup worker each), the local PostgreSQL
// and the real Redis (keys under this run's prefix); clients are WebSocket clients, so nothing is recorded but the
// recording's states, which is what this is about.
// - SIGKILL: the node taking the room over finds a recording in the snapshot that no service of its own runs.
//   It marks it FAILED with the reason in the audit log, tells the room, and the room leaves the SFU's hold; a new
//   recording may be asked for at once. Before, the snapshot's "running" stayed for good: clients kept showing a
//   recording nothing wrote, the row stayed RECORDING, and a new request was refused by no one but recorded nothing.
// - SIGTERM: the node finalises its recordings before it hands its rooms over, so the next owner finds none.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuditList, Recording } from '@consulta/protocol';
import { RECORDING_REASON, recordedCall, signedIn } from '../support/recorded-call.ts';
import { SignalingClient } from '../support/signaling-client.ts';
import { TestCluster } from '../support/test-cluster.ts';

const clinicianAccount = { email: 'dr.rec@example.test', password: 'a-long-correct-password' };
const adminAccount = { email: 'ops.rec@example.test', password: 'another-long-correct-password' };
let cluster: TestCluster;

before(async () => {
  cluster = await TestCluster.start({
    staff: [
      { ...clinicianAccount, displayName: 'Dr Rec', role: 'CLINICIAN' },
      { ...adminAccount, displayName: 'Ops', role: 'ADMIN' },
    ],
    // The SFU on: recording needs it (test.json5 gives each node one worker on free ports).
    config: { media: { enabled: true } },
  });
});

after(async () => {
  await cluster?.close();
});

/** The clinician's socket on node A (which runs the room), the patient's on node B. */
const callOn = (title: string) => ({
  roomNode: cluster.node('a'),
  patientNode: cluster.node('b'),
  clinician: clinicianAccount,
  admin: adminAccount,
  smtp: cluster.smtp,
  title,
});

const recordingRow = (id: string) =>
  cluster.database.prisma.recording.findUniqueOrThrow({
    where: { id },
    select: { status: true, stoppedAt: true },
  });

describe('a recorded room whose node goes away', () => {
  test('SIGKILL: the node taking the room over marks the recording failed, tells the room, and may record again', async () => {
    const call = await recordedCall(callOn('Recorded, then the node dies'));
    await cluster.kill('a');

    // The clinician resumes on B, which takes the room over from its snapshot.
    const doc = await SignalingClient.connect(cluster.node('b').url, call.clinician.cookieHeader);
    doc.send({ type: 'join', consultationId: call.consultationId, resumeToken: call.docToken });
    assert.equal((await doc.next('joined', () => true, 15_000)).resumed, true);

    // The patient, whose socket never broke, is told the recording failed; the room plans without it.
    const told = await call.pat.next(
      'recording',
      (m) => m.recording.id === call.recordingId && m.recording.status === 'FAILED',
      15_000,
    );
    assert.ok(told.recording.stoppedAt, 'it says when it stopped');
    const row = await recordingRow(call.recordingId);
    assert.equal(row.status, 'FAILED');
    assert.ok(row.stoppedAt);
    const plan = await call.pat.next(
      'plan',
      (m) =>
        m.plan.version > call.recordingPlan.version &&
        !m.plan.reasons.some((r) => r.code === RECORDING_REASON),
      15_000,
    );
    assert.notEqual(plan.plan.topology, 'sfu', 'a 1:1 call without a recording leaves the SFU');

    // The audit log says why, as an event of this recording.
    const admin = await signedIn(cluster.node('b'), adminAccount);
    const audit = await admin.get<AuditList>(
      `/api/audit?consultationId=${call.consultationId}&action=recording.failed`,
    );
    assert.equal(audit.status, 200, JSON.stringify(audit.body));
    const failed = audit.body.events.find((e) => e.targetId === call.recordingId);
    assert.ok(failed, JSON.stringify(audit.body.events));
    assert.equal((failed.details as { reason?: string } | null)?.reason, 'the server running it stopped');

    // Nothing stands in the way of recording again.
    const again = await admin.post<Recording>(`/api/consultations/${call.consultationId}/recordings`, {});
    assert.equal(again.status, 201, JSON.stringify(again.body));
    for (const c of [doc, call.pat]) c.socket.close();
    await cluster.startNode('a');
  });

  test('SIGTERM: the node finalises its recording before handing the room over; the next owner finds none', async () => {
    const call = await recordedCall(callOn('Recorded, then the node restarts'));
    await cluster.kill('a', 'SIGTERM');

    // The patient on B is told the recording stopped (finalising or already final) by A itself.
    await call.pat.next(
      'recording',
      (m) => m.recording.id === call.recordingId && m.recording.status !== 'RECORDING',
      15_000,
    );
    const doc = await SignalingClient.connect(cluster.node('b').url, call.clinician.cookieHeader);
    doc.send({ type: 'join', consultationId: call.consultationId, resumeToken: call.docToken });
    assert.equal((await doc.next('joined', () => true, 15_000)).resumed, true);
    const row = await recordingRow(call.recordingId);
    assert.notEqual(row.status, 'RECORDING', 'A ended it');
    const admin = await signedIn(cluster.node('b'), adminAccount);
    const audit = await admin.get<AuditList>(
      `/api/audit?consultationId=${call.consultationId}&action=recording.failed`,
    );
    assert.equal(
      audit.body.events.filter(
        (e) => (e.details as { reason?: string } | null)?.reason === 'the server running it stopped',
      ).length,
      0,
      'B did not find a recording left running',
    );
    for (const c of [doc, call.pat]) c.socket.close();
    await cluster.startNode('a');
  });
});
