// Recording a consultation end to end in real Chromium, through the real server, SFU, FFmpeg and ffprobe: a 1:1
// call on p2p; an admin starts a recording; both consent in their pages; the call moves onto the SFU; an
// interpreter who joins meanwhile gets no media until they consent too; about 10 s later the admin stops it; the
// file downloads (admins only), ffprobe shows audio and video streams of about the recorded length, its frames
// decode, its SHA-256 matches the row; the call is back on p2p. Refusals (non-admins, declines, timeouts) are in
// tests/recording/consent-flow.test.ts. Runs in a loopback-only network namespace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AuditList, Recording } from '@consulta/protocol';
import type { Browser } from 'playwright-core';
import { assertNamespacedRunPasses, inLoopbackNamespace, launchChromium } from '../support/chromium.ts';
import type { HttpClient } from '../support/http.ts';
import { api, type Person, SfuCall, until } from './sfu-support.ts';

const thisFile = fileURLToPath(import.meta.url);
const RECORD_MS = 10_000;

if (!inLoopbackNamespace()) {
  test('recording a consultation in Chromium, inside a loopback-only network namespace', async () => {
    await assertNamespacedRunPasses(thisFile, 1);
  });
} else {
  describe('consented recording on the SFU', () => {
    let browser: Browser;
    let call: SfuCall;
    let admin: HttpClient;
    let tmp: string;

    before(async () => {
      browser = await launchChromium();
      call = await SfuCall.start(browser, {});
      admin = await call.server.server.signedIn('ADMIN', 'Ops Admin');
      tmp = await mkdtemp(path.join(os.tmpdir(), 'consulta-recording-'));
    });
    after(async () => {
      await call?.close();
      await browser?.close();
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    const recordingsSeen = (p: Person) => p.page.evaluate(() => window.sfuTest.recordings());
    const consent = (p: Person, id: string, granted: boolean) =>
      p.page.evaluate(([r, g]) => window.sfuTest.consent(r as string, g as boolean), [id, granted] as const);
    const recording = async (id: string) => (await admin.get<Recording>(`/api/recordings/${id}`)).body;

    test('p2p -> consent -> SFU + FFmpeg -> stop -> a playable file -> p2p', async (t) => {
      const measure = (line: string) => {
        console.log(`MEASURE ${line}`);
        t.diagnostic(line);
      };
      try {
        const doctor = await call.open();
        const patient = await call.admitGuest('patient', 'PATIENT');
        await call.settledOn('p2p');
        await call.allReceive('peers');
        const consultId = call.consultationId;

        // The clinician cannot start a recording; the admin can.
        const refused = await api(doctor.page, 'POST', `/api/consultations/${consultId}/recordings`, {});
        assert.equal(refused.status, 403);
        const started = await admin.post<Recording>(`/api/consultations/${consultId}/recordings`, {});
        assert.equal(started.status, 201, JSON.stringify(started.body));
        const id = started.body.id;

        // Each page is asked, and answers in the page.
        for (const p of [doctor, patient]) {
          await until(
            async () => (await recordingsSeen(p)).some((r) => r.id === id),
            5000,
            `${p.name} asked`,
          );
        }
        const askedAt = Date.now();
        await consent(doctor, id, true);
        await consent(patient, id, true);
        await until(async () => (await recording(id)).status === 'RECORDING', 15_000, 'recording running');
        await call.settledOn('sfu');
        await call.allReceive('sfu');
        measure(`consent to media on the SFU: ${Date.now() - askedAt} ms`);

        // An interpreter joins during the recording: no media either way until they agree.
        const interpreter = await call.admitGuest('interpreter', 'INTERPRETER');
        await until(
          async () =>
            (await recordingsSeen(interpreter)).some((r) => r.id === id && r.status === 'RECORDING'),
          5000,
          'the newcomer is asked',
        );
        const before = await interpreter.page.evaluate(() => window.sfuTest.viaSfu());
        const seenByDoctor = await doctor.page.evaluate(() => window.sfuTest.viaSfu());
        await new Promise((r) => setTimeout(r, 2000));
        const after = await interpreter.page.evaluate(() => window.sfuTest.viaSfu());
        const afterDoctor = await doctor.page.evaluate(() => window.sfuTest.viaSfu());
        for (const s of [doctor, patient]) {
          assert.equal(
            after[s.id]?.frames ?? 0,
            before[s.id]?.frames ?? 0,
            `interpreter gets nothing from ${s.name}`,
          );
        }
        assert.equal(
          afterDoctor[interpreter.id]?.frames ?? 0,
          seenByDoctor[interpreter.id]?.frames ?? 0,
          'nobody gets the interpreter yet',
        );
        await consent(interpreter, id, true);
        await call.allReceive('sfu');

        const remaining = RECORD_MS - (Date.now() - askedAt);
        if (remaining > 0) await new Promise((r) => setTimeout(r, remaining));
        await call.leave(interpreter);
        const stopped = await admin.post<Recording>(`/api/recordings/${id}/stop`, {});
        assert.equal(stopped.status, 200, JSON.stringify(stopped.body));
        assert.equal(stopped.body.status, 'COMPLETE');
        assert.ok(stopped.body.sha256 && stopped.body.sizeBytes && stopped.body.durationMs);
        measure(`recorded ${stopped.body.durationMs} ms, ${stopped.body.sizeBytes} bytes`);

        // Downloads: admins only.
        const byClinician = await api(doctor.page, 'GET', `/api/recordings/${id}/file`);
        assert.equal(byClinician.status, 403);
        const res = await fetch(`${call.server.url}/api/recordings/${id}/file`, {
          headers: { cookie: admin.cookieHeader },
        });
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-disposition') ?? '', /attachment/);
        const bytes = Buffer.from(await res.arrayBuffer());
        assert.equal(String(bytes.length), stopped.body.sizeBytes);
        assert.equal(createHash('sha256').update(bytes).digest('hex'), stopped.body.sha256);
        const file = path.join(tmp, 'recording.webm');
        await writeFile(file, bytes);

        // What an admin's player sees: audio and video, about as long as the recording, decodable frames.
        const probe = spawnSync(
          'ffprobe',
          ['-v', 'error', '-show_streams', '-show_format', '-count_frames', '-of', 'json', file],
          { encoding: 'utf8' },
        );
        assert.equal(probe.status, 0, probe.stderr);
        const info = JSON.parse(probe.stdout) as {
          streams: Array<{ codec_type: string; nb_read_frames?: string }>;
          format: { duration: string };
        };
        const video = info.streams.filter((s) => s.codec_type === 'video');
        const audio = info.streams.filter((s) => s.codec_type === 'audio');
        assert.ok(video.length >= 2, `a video track per participant: ${JSON.stringify(info.streams)}`);
        assert.ok(audio.length >= 1, 'audio');
        for (const v of video) assert.ok(Number(v.nb_read_frames) > 0, 'video frames decode');
        const seconds = Number(info.format.duration);
        measure(`file duration ${seconds.toFixed(2)} s for ~${RECORD_MS / 1000} s of recording`);
        assert.ok(seconds > 5 && seconds < 16, `duration ${seconds} s is about the recorded time`);
        const decode = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], {
          encoding: 'utf8',
        });
        assert.equal(decode.status, 0, decode.stderr);

        // Recording over: the two go back to p2p and keep talking.
        await call.settledOn('p2p', 20_000);
        await call.allReceive('peers');

        const audit = await admin.get<AuditList>(`/api/audit?consultationId=${consultId}`);
        const actions = new Set(audit.body.events.map((e) => e.action));
        for (const a of [
          'recording.request',
          'recording.consent',
          'recording.start',
          'recording.stop',
          'recording.download',
        ])
          assert.ok(actions.has(a), `${a} audited`);
        await call.assertNoErrors();
      } catch (err) {
        await call.dump();
        throw err;
      }
    });

    /** A 1:1 call on its own server, recording with both parties' consent, media in the file. */
    async function runningRecording(): Promise<{
      own: SfuCall;
      owner: HttpClient;
      id: string;
      doctor: Person;
    }> {
      const own = await SfuCall.start(browser, {});
      const owner = await own.server.server.signedIn('ADMIN');
      const doctor = await own.open();
      const patient = await own.admitGuest('patient', 'PATIENT');
      await own.settledOn('p2p');
      const started = await owner.post<Recording>(`/api/consultations/${own.consultationId}/recordings`, {});
      assert.equal(started.status, 201);
      const id = started.body.id;
      for (const p of [doctor, patient]) {
        await until(async () => (await recordingsSeen(p)).some((r) => r.id === id), 5000, `${p.name} asked`);
        await consent(p, id, true);
      }
      await until(
        async () => (await owner.get<Recording>(`/api/recordings/${id}`)).body.status === 'RECORDING',
        15_000,
        'recording running',
      );
      await own.settledOn('sfu');
      await own.allReceive('sfu');
      await new Promise((r) => setTimeout(r, 2000));
      return { own, owner, id, doctor };
    }

    test('ending the consultation finalises a running recording into a playable file', async () => {
      const { own, owner, id, doctor } = await runningRecording();
      try {
        const ended = await api(doctor.page, 'POST', `/api/consultations/${own.consultationId}/end`, {});
        assert.equal(ended.status, 200, JSON.stringify(ended.body));
        await until(
          async () => (await owner.get<Recording>(`/api/recordings/${id}`)).body.status === 'COMPLETE',
          20_000,
          'finalised after the end',
        );
        const res = await fetch(`${own.server.url}/api/recordings/${id}/file`, {
          headers: { cookie: owner.cookieHeader },
        });
        assert.equal(res.status, 200);
        const file = path.join(tmp, 'ended.webm');
        await writeFile(file, Buffer.from(await res.arrayBuffer()));
        const decode = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], {
          encoding: 'utf8',
        });
        assert.equal(decode.status, 0, decode.stderr);
      } finally {
        await own.close();
      }
    });

    test('shutting the server down finalises a running recording before it exits', async () => {
      const { own, id } = await runningRecording();
      try {
        // What SIGTERM does in server.ts: close the app (its onClose hook finalises recordings first).
        await own.server.server.app.close();
        const row = await own.server.server.db.prisma.recording.findUniqueOrThrow({ where: { id } });
        assert.equal(row.status, 'COMPLETE');
        assert.ok(row.filePath && row.sha256 && row.sizeBytes);
        const bytes = await readFile(row.filePath);
        assert.equal(BigInt(bytes.length), row.sizeBytes);
        assert.equal(createHash('sha256').update(bytes).digest('hex'), row.sha256);
      } finally {
        await own.close();
      }
    });
  });
}
