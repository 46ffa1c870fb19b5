// A server that runs alone (no cluster) dies while recording (SIGKILL: killed, out of memory, power) and starts
// again on the same database: the recording it left RECORDING is marked FAILED at startup, with the reason in the
// audit log, and the consultation may be recorded again. Before, the row said RECORDING for good. One server
// process with its SFU, the local PostgreSQL, WebSocket clients (nothing but the recording's states matters).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { AuditList, Recording } from '@consulta/protocol';
import { createStaffUser, openDatabase } from '@consulta/server';
import { createTestDatabase } from '../support/postgres.ts';
import { recordedCall, signedIn } from '../support/recorded-call.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { SignalingClient } from '../support/signaling-client.ts';
import { startSmtpCapture } from '../support/smtp.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let prisma: Awaited<ReturnType<typeof openDatabase>>;
let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
let server: ServerProcess | null = null;
const clinician = { email: 'dr.alone@example.test', password: 'a-long-correct-password' };
const admin = { email: 'ops.alone@example.test', password: 'another-long-correct-password' };
let options: Parameters<typeof startServerProcess>[0];

before(async () => {
  db = await createTestDatabase();
  prisma = await openDatabase({ url: db.url, dataDir: '' });
  smtp = await startSmtpCapture();
  await createStaffUser(prisma.prisma, { ...clinician, displayName: 'Dr Alone', role: 'CLINICIAN' });
  await createStaffUser(prisma.prisma, { ...admin, displayName: 'Ops', role: 'ADMIN' });
  options = {
    databaseUrl: db.url,
    cookieSecret: randomBytes(32).toString('hex'),
    config: { email: { smtpUrl: smtp.url }, media: { enabled: true } },
  };
  server = await startServerProcess(options);
});

after(async () => {
  await server?.close().catch(() => undefined);
  await smtp?.close();
  await prisma?.close();
  await db?.drop();
});

test('a recording its server died with is marked failed when the server starts again', async () => {
  const call = await recordedCall({
    roomNode: server!,
    patientNode: server!,
    clinician,
    admin,
    smtp,
    title: 'Recorded, then the server dies',
  });
  await server!.kill('SIGKILL');
  server = null;
  const before = await prisma.prisma.recording.findUniqueOrThrow({ where: { id: call.recordingId } });
  assert.equal(before.status, 'RECORDING', 'the dead server left it running');

  server = await startServerProcess(options);
  // Marked before the server takes requests (onReady): the first read already sees it.
  const ops = await signedIn(server, admin);
  const view = await ops.get<Recording>(`/api/recordings/${call.recordingId}`);
  assert.equal(view.status, 200, JSON.stringify(view.body));
  assert.equal(view.body.status, 'FAILED');
  assert.ok(view.body.stoppedAt, 'it says when it was found stopped');
  const audit = await ops.get<AuditList>(
    `/api/audit?consultationId=${call.consultationId}&action=recording.failed`,
  );
  const failed = audit.body.events.find((e) => e.targetId === call.recordingId);
  assert.ok(failed, JSON.stringify(audit.body.events));
  assert.deepEqual(failed.details, { reason: 'the server running it stopped', was: 'RECORDING' });

  // The call resumes on the new process, and a new recording may be asked for.
  const doc = await SignalingClient.connect(server.url, call.clinician.cookieHeader);
  doc.send({ type: 'join', consultationId: call.consultationId });
  await doc.next('joined');
  const again = await ops.post<Recording>(`/api/consultations/${call.consultationId}/recordings`, {});
  assert.equal(again.status, 201, JSON.stringify(again.body));
  doc.socket.close();
});
