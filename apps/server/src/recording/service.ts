import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, type Recording } from '@consulta/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { recordAudit } from '../audit/record.ts';
import type { Principal, StaffPrincipal } from '../auth/principal.ts';
import { assertNotEnded, consultationForStaff } from '../consultations/access.ts';
import type { PrismaClient } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { KeyedQueue } from '../keyed-queue.ts';
import type { Room } from '../signaling/room.ts';
import type { RoomObserver, Rooms } from '../signaling/rooms.ts';
import { consentOutcome, type Decision } from './consent.ts';
import type { ActiveRecorder, RecorderPort } from './recorder-port.ts';
import { recordingInclude, recordingView } from './views.ts';

export interface RecordingServiceOptions {
  prisma: PrismaClient;
  rooms: Rooms;
  /** The consultations' queue, shared with Rooms: recording steps and room changes take turns per consultation. */
  queue: KeyedQueue;
  log: FastifyBaseLogger;
  /** Absolute directory recordings are written under. */
  dir: string;
  consentTimeoutMs: number;
  /** Null when the server runs without an SFU: requests are refused with SFU_UNAVAILABLE. */
  recorder: RecorderPort | null;
  /** Re-applies a member's media gate on the SFU after their consent changed it. */
  refreshMedia(consultationId: string, participantId: string): Promise<void> | void;
}

/** A recording not yet finished, kept in memory beside its row; the row is the record. */
interface Active {
  id: string;
  consultationId: string;
  status: 'AWAITING_CONSENT' | 'RECORDING' | 'FINALISING';
  /** Whose answer counts: present when requested, plus those who joined before it started. */
  required: Set<string>;
  decisions: Map<string, Decision>;
  /** Those who agreed and then withdrew consent while it ran: no longer recorded, and not again in this recording. */
  withdrawn: Set<string>;
  timer: NodeJS.Timeout | null;
  recorder: ActiveRecorder | null;
  /** The state last sent to the room, so a stop can be told from memory before the database is written. */
  lastView: Recording | null;
}

const system = { kind: 'system' } as const;

/** Whether someone in the room is being recorded now (agreed, and has not withdrawn). */
const anyoneRecorded = (active: Active, room: Room): boolean =>
  [...room.members.keys()].some((id) => active.decisions.get(id) === 'GRANTED' && !active.withdrawn.has(id));

/**
 * Recording with consent. An admin asks; everyone present must agree (one decline blocks it, and nobody answering
 * in time blocks it too); then the room is put on the SFU and the recorder starts. Anyone joining while it runs
 * has no media until they agree. It finalises on stop, when the room ends or nobody in it is recorded any more
 * (all left or withdrew), and on shutdown.
 */
export class RecordingService implements RoomObserver {
  private readonly active = new Map<string, Active>();
  /** Finalisations under way (shutdown waits for them). */
  private readonly finishing = new Set<Promise<unknown>>();

  constructor(private readonly o: RecordingServiceOptions) {}

  /** Recordings being written now (metrics). */
  get runningCount(): number {
    let n = 0;
    for (const a of this.active.values()) if (a.status === 'RECORDING') n++;
    return n;
  }

  get available(): boolean {
    return this.o.recorder !== null;
  }

  // ---- admin actions ------------------------------------------------------------------------------------

  async request(staff: StaffPrincipal, consultationId: string, ip: string): Promise<Recording> {
    const c = await consultationForStaff(this.o.prisma, staff, consultationId, { adminMay: true });
    assertNotEnded(c);
    if (!this.o.recorder)
      throw new AppError(ErrorCode.SfuUnavailable, 'This server runs without an SFU, so it cannot record');
    if (this.active.has(c.id))
      throw new AppError(ErrorCode.Conflict, 'A recording of this consultation is already under way');
    const room = this.o.rooms.get(c.id);
    const present = room ? [...room.members.values()].filter((m) => m.link) : [];
    if (present.length === 0) throw new AppError(ErrorCode.Conflict, 'Nobody is in the call to record');

    const row = await this.o.prisma.recording.create({
      data: { consultationId: c.id, requestedById: staff.userId },
    });
    const active: Active = {
      id: row.id,
      consultationId: c.id,
      status: 'AWAITING_CONSENT',
      required: new Set(present.map((m) => m.participantId)),
      decisions: new Map(),
      withdrawn: new Set(),
      timer: null,
      recorder: null,
      lastView: null,
    };
    this.active.set(c.id, active);
    active.timer = setTimeout(() => this.run(active, () => this.timedOut(active)), this.o.consentTimeoutMs);
    active.timer.unref();
    await this.audit('recording.request', staff, active, { ip });
    return this.run(active, async () => {
      const asked = await this.publish(active);
      await this.prepare(active);
      return asked;
    });
  }

  async stop(staff: StaffPrincipal, recordingId: string, ip: string): Promise<Recording> {
    const row = await this.o.prisma.recording.findUnique({ where: { id: recordingId } });
    if (!row) throw new AppError(ErrorCode.NotFound, 'No such recording');
    await consultationForStaff(this.o.prisma, staff, row.consultationId, { adminMay: true });
    if (staff.role !== 'ADMIN')
      throw new AppError(ErrorCode.Forbidden, 'Only an administrator controls recording');
    const active = this.active.get(row.consultationId);
    if (!active || active.id !== recordingId) return this.view(recordingId);
    // The reply (like the broadcast) says FINALISING as soon as recording stopped; the file follows, and its
    // state (COMPLETE, PARTIAL or FAILED) reaches everyone in the call and the admin's poll when it is written.
    return this.run(active, async () => {
      if (active.status === 'AWAITING_CONSENT') await this.block(active, { cancelledBy: staff.userId });
      // The state just broadcast, not read again: the database is busy with the finalisation by then.
      else if (active.status === 'RECORDING') return this.finalise(active, staff, ip);
      return this.view(recordingId);
    });
  }

  // ---- participants --------------------------------------------------------------------------------------

  async consent(
    principal: Principal,
    room: Room,
    participantId: string,
    recordingId: string,
    granted: boolean,
    ip: string,
  ) {
    const active = this.active.get(room.consultationId);
    if (!active || active.id !== recordingId)
      throw new AppError(ErrorCode.NotFound, 'That recording is no longer waiting for an answer');
    if (active.withdrawn.has(participantId))
      throw new AppError(
        ErrorCode.ConsentWithdrawn,
        'You withdrew your consent, so you are not recorded again during this recording',
      );
    // "No" from someone being recorded is a withdrawal: they stop being recorded and stay in the call (a plain
    // DECLINED would close their media gate, cutting them off from the others).
    if (!granted && active.status === 'RECORDING' && active.decisions.get(participantId) === 'GRANTED')
      return this.withdraw(principal, room, participantId, recordingId, ip);
    const decision: Decision = granted ? 'GRANTED' : 'DECLINED';
    await this.run(active, async () => {
      if (active.status === 'FINALISING' || active.withdrawn.has(participantId)) return;
      await this.o.prisma.recordingConsent.upsert({
        where: { recordingId_participantId: { recordingId, participantId } },
        create: { recordingId, participantId, decision },
        update: { decision, decidedAt: new Date() },
      });
      active.decisions.set(participantId, decision);
      await this.audit('recording.consent', principal, active, { ip, details: { decision, participantId } });
      if (active.status === 'AWAITING_CONSENT') {
        active.required.add(participantId);
        await this.evaluate(active);
      } else {
        // Running: the answer opens (or keeps closed) this participant's media.
        await this.o.refreshMedia(active.consultationId, participantId);
        await this.publish(active);
      }
    });
  }

  /**
   * The participant withdraws their consent while the recording runs: their tracks stop being recorded at once
   * (before anything is written or sent), the rest goes on, and everyone gets the state with `withdrawnAt`. They
   * stay in the call with their media flowing to the others. When nobody left in the room is being recorded, the
   * recording stops. No re-consent during this recording (`consent` refuses it).
   */
  async withdraw(principal: Principal, room: Room, participantId: string, recordingId: string, ip: string) {
    const check = (active: Active | undefined): Active => {
      if (!active || active.id !== recordingId || active.status !== 'RECORDING')
        throw new AppError(
          ErrorCode.NotRecording,
          'That recording is not running, so there is nothing to withdraw',
        );
      if (active.decisions.get(participantId) !== 'GRANTED' || active.withdrawn.has(participantId))
        throw new AppError(
          ErrorCode.NoConsentToWithdraw,
          'You are not being recorded: you have not agreed to this recording, or already withdrew',
        );
      return active;
    };
    const active = check(this.active.get(room.consultationId));
    // The cut comes first, outside the consultation's turn (which may be busy with a room change): from here no
    // packet of theirs reaches the file.
    const withdrawnAt = new Date();
    active.withdrawn.add(participantId);
    this.cut(active, participantId);
    await this.run(active, async () => {
      await this.o.prisma.recordingConsent.update({
        where: { recordingId_participantId: { recordingId, participantId } },
        data: { withdrawnAt },
      });
      const startedAt = active.lastView?.startedAt ? Date.parse(active.lastView.startedAt) : null;
      await this.audit('recording.consent_withdrawn', principal, active, {
        ip,
        details: {
          participantId,
          ...(startedAt === null ? {} : { atRecordingMs: withdrawnAt.getTime() - startedAt }),
        },
      });
      await this.publish(active);
      if (active.status !== 'RECORDING') return;
      if (!anyoneRecorded(active, room))
        await this.finalise(active, system, undefined, undefined, 'everyone-withdrew');
    });
  }

  /** Stops recording a participant who withdrew (their tracks end in the file). */
  private cut(active: Active, participantId: string): void {
    void active.recorder
      ?.withdraw(participantId)
      .catch((err) => this.o.log.error({ err, recordingId: active.id }, 'recording: withdrawal cut failed'));
  }

  // ---- room observer -------------------------------------------------------------------------------------

  async memberJoined(room: Room, participantId: string, resumed: boolean): Promise<void> {
    const active = this.active.get(room.consultationId);
    if (!active) return;
    await this.run(active, async () => {
      if (active.status === 'AWAITING_CONSENT' && !resumed) active.required.add(participantId);
      await this.publish(active);
    });
  }

  async memberLeft(room: Room, participantId: string): Promise<void> {
    const active = this.active.get(room.consultationId);
    if (!active) return;
    await this.run(active, async () => {
      if (active.status === 'AWAITING_CONSENT') {
        // Someone who left without answering is no longer asked; the rest may now all have agreed.
        if (!active.decisions.has(participantId)) active.required.delete(participantId);
        if (room.members.size === 0) await this.block(active, { reason: 'everyone-left' });
        else await this.evaluate(active);
      } else if (active.status === 'RECORDING') {
        // The last person being recorded left: those still there never agreed (their media is held back), so
        // the file would only grow with nothing in it. Stopping also gives them their media back.
        if (room.members.size === 0) await this.finalise(active, system);
        else if (!anyoneRecorded(active, room))
          await this.finalise(active, system, undefined, undefined, 'nobody-recorded-left');
      }
    });
  }

  /**
   * This node took the room over (cluster) and its snapshot says a recording was asked for or running, which no
   * service here runs: it ran on the node that died, and its recorder died with it (recording does not move
   * between nodes yet). It ends FAILED, with the reason in the audit log; everyone in the room is told, and the
   * room no longer needs the SFU for it. A node that stops on purpose finalises its recordings before it hands
   * its rooms over, so only a crash (or a node cut off past its lease) gets here.
   */
  async roomAdopted(room: Room): Promise<void> {
    const consultationId = room.consultationId;
    if (room.recording === 'off' || this.active.has(consultationId)) return;
    await this.o.queue.run(consultationId, async () => {
      await this.failOrphans({ consultationId });
      // An admin may have asked for a new recording here meanwhile: its state is not the dead node's to clear.
      if (!this.active.has(consultationId)) await this.o.rooms.setRecording(consultationId, 'off');
    });
  }

  /**
   * Startup of a server that runs alone (no cluster): every recording left unfinished was this process's before
   * it died (killed, out of memory, power), and nothing will ever finish it. Each is marked FAILED, audited.
   * In a cluster other nodes may be running theirs; there the node taking a room over does it (`roomAdopted`).
   */
  async failOrphansAtStartup(): Promise<void> {
    await this.failOrphans({});
  }

  /** Marks the unfinished recordings `where` says FAILED (no recorder of this process runs them), audited, told. */
  private async failOrphans(where: { consultationId?: string }): Promise<void> {
    const orphans = await this.o.prisma.recording.findMany({
      where: { ...where, status: { in: ['AWAITING_CONSENT', 'RECORDING', 'FINALISING'] } },
      select: { id: true, status: true, consultationId: true },
    });
    const failed: string[] = [];
    for (const row of orphans) {
      if (this.active.get(row.consultationId)?.id === row.id) continue;
      const updated = await this.o.prisma.recording.update({
        where: { id: row.id },
        data: { status: 'FAILED', stoppedAt: new Date() },
        include: recordingInclude,
      });
      await this.audit('recording.failed', system, row, {
        outcome: 'failed',
        details: { reason: 'the server running it stopped', was: row.status },
      });
      this.o.rooms.broadcast(row.consultationId, { type: 'recording', recording: recordingView(updated) });
      failed.push(row.id);
    }
    if (failed.length > 0)
      this.o.log.warn(
        { recordings: failed },
        'recordings left unfinished by a server that stopped: marked failed',
      );
  }

  roomEnded(consultationId: string): Promise<void> {
    const active = this.active.get(consultationId);
    if (!active) return Promise.resolve();
    // Rooms calls this from the consultation's turn (queued behind it); shutdown waits for the file.
    const step = this.run(active, async () => {
      if (active.status === 'RECORDING') await this.finalise(active, system);
      if (active.status === 'AWAITING_CONSENT') await this.block(active, { reason: 'consultation-ended' });
    });
    this.finishing.add(step);
    void step.finally(() => this.finishing.delete(step));
    return Promise.resolve();
  }

  /** Server shutdown: every running recording is finalised so its file is playable. */
  async shutdown(): Promise<void> {
    for (const a of [...this.active.values()]) await this.roomEnded(a.consultationId);
    while (this.finishing.size > 0) {
      const pending = [...this.finishing];
      this.finishing.clear();
      await Promise.allSettled(pending);
    }
  }

  /** Whether media of `participantId` may flow now (the room's media gate while a recording runs). */
  mediaAllowed(consultationId: string, participantId: string): boolean {
    const active = this.active.get(consultationId);
    if (!active || active.status === 'AWAITING_CONSENT') return true;
    return active.decisions.get(participantId) === 'GRANTED';
  }

  // ---- transitions ---------------------------------------------------------------------------------------

  private async evaluate(active: Active): Promise<void> {
    const outcome = consentOutcome(active.required, active.decisions);
    if (outcome.kind === 'declined') await this.block(active, { declinedBy: outcome.by });
    else if (outcome.kind === 'granted') await this.begin(active);
    else await this.publish(active);
  }

  private async timedOut(active: Active): Promise<void> {
    if (active.status !== 'AWAITING_CONSENT') return;
    const outcome = consentOutcome(active.required, active.decisions);
    await this.block(active, {
      reason: 'consent-timeout',
      unanswered: outcome.kind === 'pending' ? outcome.waitingFor : [],
    });
  }

  private async block(active: Active, details: Record<string, unknown>): Promise<void> {
    this.forget(active);
    // The armed recorder never began: it wrote nothing, and stopping it only cleans up.
    void active.recorder?.stop().catch(() => undefined);
    active.recorder = null;
    await this.o.prisma.recording.update({
      where: { id: active.id },
      data: { status: 'BLOCKED', stoppedAt: new Date() },
    });
    await this.audit('recording.blocked', system, active, { details: details as never });
    await this.publish(active);
    await this.leaveSfu(active);
  }

  /**
   * Asked, not yet agreed: the room goes onto the SFU now (media routed through the server, nothing written) and
   * the recorder is armed there (transports, paused consumers, FFmpeg listening), so that when the last person
   * agrees only the consumers resume and the file starts within a keyframe's round trip. Waiting for consent to
   * move the call would leave the first seconds (the migration, the senders' bandwidth ramp-up to their top
   * simulcast layer) out of the file. Arming failures are logged; begin() tries again.
   */
  private async prepare(active: Active): Promise<void> {
    if (active.status !== 'AWAITING_CONSENT' || !this.o.recorder) return;
    const gate = (participantId: string) => this.mediaAllowed(active.consultationId, participantId);
    await this.o.rooms.setRecording(active.consultationId, 'requested', gate);
    if (this.active.get(active.consultationId) !== active || active.status !== 'AWAITING_CONSENT') return;
    try {
      active.recorder = await this.arm(active);
    } catch (err) {
      this.o.log.warn({ err, recordingId: active.id }, 'the recorder could not be armed yet');
    }
  }

  private async arm(active: Active): Promise<ActiveRecorder> {
    const dir = path.join(this.o.dir, active.consultationId);
    await mkdir(dir, { recursive: true });
    return this.o.recorder!.arm(active.consultationId, path.join(dir, `${active.id}.webm`));
  }

  /**
   * Everyone agreed: this moment is the recording's start (`startedAt`, the file's time 0). The armed recorder's
   * consumers resume first, before anything else is written or sent.
   */
  private async begin(active: Active): Promise<void> {
    const startedAt = new Date();
    if (active.timer) clearTimeout(active.timer);
    active.timer = null;
    active.status = 'RECORDING';
    const room = this.o.rooms.get(active.consultationId);
    if (!room || !this.o.recorder) return this.fail(active, 'the room or the SFU went away');
    const gate = (participantId: string) => this.mediaAllowed(active.consultationId, participantId);
    if (!active.recorder) {
      // Not armed (it failed, or the consent came before the room reached the SFU): arm now, later than ideal.
      await this.o.rooms.setRecording(active.consultationId, 'requested', gate);
      try {
        active.recorder = await this.arm(active);
      } catch (err) {
        this.o.log.error({ err, recordingId: active.id }, 'the recorder did not start');
        return this.fail(active, 'the recorder did not start');
      }
    }
    const recorder = active.recorder;
    recorder.begin();
    // Withdrawn while the recorder was still being armed (status was already RECORDING).
    for (const id of active.withdrawn) this.cut(active, id);
    recorder.onLost((reason) => {
      this.run(active, async () => {
        if (active.status === 'RECORDING') await this.finalise(active, system, undefined, reason);
      });
    });
    void recorder.firstFrame('video').then((ms) => {
      if (ms !== null)
        this.o.log.info({ recordingId: active.id, ms }, 'recording: consent complete -> first video frame');
    });
    await this.o.rooms.setRecording(active.consultationId, 'running', gate);
    await this.o.prisma.recording.update({
      where: { id: active.id },
      data: { status: 'RECORDING', startedAt },
    });
    await this.audit('recording.start', system, active, {});
    await this.publish(active);
  }

  /**
   * Stops recording (inside the consultation's turn): the state goes to everyone at once as FINALISING, then the
   * file is written outside the turn so the room is not held while FFmpeg finishes; its outcome is published when
   * ready. `lost` says why the recording was cut short (the file is then PARTIAL).
   */
  private async finalise(
    active: Active,
    actor: Principal | typeof system,
    ip?: string,
    lost?: string,
    /** Why it stopped when nobody asked for it (everyone withdrew consent): in the stop's audit event. */
    endedBy?: string,
  ): Promise<Recording> {
    active.status = 'FINALISING';
    const stoppedAt = new Date();
    // Everyone hears of the stop first, from memory (the "Recording" indicator goes off now, not after two
    // database round trips on a busy server); the stored state follows and is sent again, identical.
    if (active.lastView) {
      const recording = {
        ...active.lastView,
        status: 'FINALISING' as const,
        stoppedAt: stoppedAt.toISOString(),
      };
      this.o.rooms.broadcast(active.consultationId, { type: 'recording', recording });
    }
    await this.o.prisma.recording.update({
      where: { id: active.id },
      data: { status: 'FINALISING', stoppedAt },
    });
    const finalising = await this.publish(active);
    const stopped = active.recorder!.stop();
    const done = stopped.then(
      (result) =>
        this.run(active, async () => {
          const partial = lost !== undefined || !result.complete;
          await this.o.prisma.recording.update({
            where: { id: active.id },
            data: {
              status: partial ? 'PARTIAL' : 'COMPLETE',
              filePath: result.filePath,
              durationMs: Math.round(result.durationMs),
              sizeBytes: BigInt(result.sizeBytes),
              sha256: result.sha256,
            },
          });
          await this.audit('recording.stop', actor, active, {
            ip,
            ...(partial ? { outcome: 'failed' as const } : {}),
            details: {
              sha256: result.sha256,
              ...(partial ? { partial: lost ?? 'a track stopped early' } : {}),
              ...(endedBy ? { endedBy } : {}),
            },
          });
          await this.leaveSfu(active);
          await this.publish(active);
        }),
      (err) =>
        this.run(active, async () => {
          this.o.log.error({ err, recordingId: active.id }, 'the recording could not be finalised');
          await this.fail(active, lost ?? 'the recording could not be finalised');
        }),
    );
    this.finishing.add(done);
    void done.finally(() => this.finishing.delete(done));
    return finalising;
  }

  private async fail(active: Active, reason: string): Promise<void> {
    await active.recorder?.stop().catch(() => undefined);
    await this.o.prisma.recording.update({
      where: { id: active.id },
      data: { status: 'FAILED', stoppedAt: new Date() },
    });
    await this.audit('recording.failed', system, active, { outcome: 'failed', details: { reason } });
    await this.leaveSfu(active);
    await this.publish(active);
  }

  /** The room no longer needs the SFU for recording: the policy decides again (a small call goes back). */
  private async leaveSfu(active: Active): Promise<void> {
    this.forget(active);
    const room = this.o.rooms.get(active.consultationId);
    if (!room) return;
    await this.o.rooms.setRecording(active.consultationId, 'off');
    for (const id of room.members.keys()) await this.o.refreshMedia(active.consultationId, id);
  }

  private forget(active: Active): void {
    if (active.timer) clearTimeout(active.timer);
    active.timer = null;
    if (this.active.get(active.consultationId) === active) this.active.delete(active.consultationId);
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  /** A step of this recording, in its consultation's turn (shared with Rooms); failures are logged. */
  private run<T>(active: Active, step: () => Promise<T>): Promise<T> {
    const next = this.o.queue.run(active.consultationId, step);
    next.catch((err) => this.o.log.error({ err, recordingId: active.id }, 'recording step failed'));
    return next;
  }

  /** Sends the recording's state to everyone in the room and returns it. */
  private async publish(active: Active): Promise<Recording> {
    const recording = await this.view(active.id, active);
    active.lastView = recording;
    this.o.rooms.broadcast(active.consultationId, { type: 'recording', recording });
    return recording;
  }

  async view(recordingId: string, active?: Active): Promise<Recording> {
    const row = await this.o.prisma.recording.findUnique({
      where: { id: recordingId },
      include: recordingInclude,
    });
    if (!row) throw new AppError(ErrorCode.NotFound, 'No such recording');
    const a = active ?? this.active.get(row.consultationId);
    const room = this.o.rooms.get(row.consultationId);
    const pending =
      a && a.id === recordingId
        ? [...a.required]
            .filter((id) => !a.decisions.has(id))
            .map((id) => ({
              participantId: id,
              displayName: room?.members.get(id)?.peer.displayName ?? 'Participant',
            }))
        : [];
    // Joiners during a running recording are asked too, though their answer does not gate the recording itself.
    if (a && a.id === recordingId && a.status !== 'AWAITING_CONSENT' && room) {
      for (const m of room.members.values()) {
        if (!a.decisions.has(m.participantId) && !pending.some((p) => p.participantId === m.participantId))
          pending.push({ participantId: m.participantId, displayName: m.peer.displayName });
      }
    }
    return recordingView(row, pending);
  }

  private audit(
    action: Parameters<typeof recordAudit>[1]['action'],
    actor: Principal | typeof system,
    active: Pick<Active, 'id' | 'consultationId'>,
    extra: { ip?: string; outcome?: 'ok' | 'failed'; details?: Parameters<typeof recordAudit>[1]['details'] },
  ): Promise<void> {
    return recordAudit(this.o.prisma, {
      action,
      actor,
      targetType: 'recording',
      targetId: active.id,
      consultationId: active.consultationId,
      ...(extra.ip ? { ip: extra.ip } : {}),
      ...(extra.outcome ? { outcome: extra.outcome } : {}),
      ...(extra.details ? { details: extra.details } : {}),
    });
  }
}
