import { timingSafeEqual } from 'node:crypto';
import {
  type BandwidthReport,
  CloseCode,
  ErrorCode,
  type MediaState,
  mayShareScreen,
  type Peer,
  type ServerMessage,
  type SocketEnd,
} from '@consulta/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { principalForSession } from '../auth/principal.ts';
import { hashToken, newToken } from '../auth/tokens.ts';
import { participantForJoin } from '../consultations/access.ts';
import type { DepartureReason, PresenceRecord } from '../consultations/presence.ts';
import type { PrismaClient } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { KeyedQueue } from '../keyed-queue.ts';
import { releaseSignals } from './held-signals.ts';
import type { Link } from './link.ts';
import type { Member } from './member.ts';
import { relaysOthers } from './relay-role.ts';
import { Room } from './room.ts';
import type { RoutePlanner } from './route-planner.ts';

export interface RoomsOptions {
  /** Reads only: who may join (consultations/access.ts) and whether a session still holds. */
  prisma: PrismaClient;
  /** The durable record of presence (join/leave times, status, audit); Rooms itself keeps memory only. */
  presence: PresenceRecord;
  /** One order per consultation, shared with the recording service. */
  queue: KeyedQueue;
  log: FastifyBaseLogger;
  reconnectGraceMs: number;
  /** How long a tree relay's dropped connection may stay away before it stops relaying (see Member.relayLost). */
  relayLossMs: number;
  /** The same for a relay whose connection broke without a close frame (`broken`: its process likely died). */
  relayBrokenMs: number;
  planner: RoutePlanner;
  /** How often rooms in tree mode get a background replan (one bounded rebalance step). */
  rebalanceIntervalMs: number;
  /** Before and after every task on a room (cluster mode: its owner writes the room's snapshot after). */
  changing?: (consultationId: string) => void;
  changed?: (consultationId: string) => Promise<void>;
}

/** Other modules (recording, the SFU) follow membership through this, so rooms need not know about them. */
export interface RoomObserver {
  /** After a member entered (or resumed) and got `joined`. */
  memberJoined?(room: Room, participantId: string, resumed: boolean): Promise<void> | void;
  memberLeft?(room: Room, participantId: string, reason: DepartureReason): Promise<void> | void;
  /** The consultation ended; the room is gone. */
  roomEnded?(consultationId: string): Promise<void> | void;
  /** A new plan went out to the room's members (the SFU follows topology changes). */
  planChanged?(room: Room): Promise<void> | void;
  /**
   * What the room's plan would become if its waiting guests were admitted changed (`room.foreseen`): the SFU
   * warms a standby path when that is `sfu`.
   */
  foreseen?(room: Room): Promise<void> | void;
  /** A member's reported details (bandwidth) changed. */
  memberUpdated?(room: Room, participantId: string): Promise<void> | void;
  /**
   * This node took the room over from a snapshot (cluster): what the node that ran it had beside the room (a
   * recorder) did not come along.
   */
  roomAdopted?(room: Room): Promise<void> | void;
}

/**
 * Every live room in this process, and the moves people make between them: join, wait, resume, leave, time out,
 * removal, end. Every change to one room runs in that consultation's queue, so two members acting at once, a
 * timer and a REST call never interleave. Membership is re-checked against the database on every join.
 */
export class Rooms {
  private readonly rooms = new Map<string, Room>();
  private readonly rebalancer: NodeJS.Timeout;
  private readonly observers: RoomObserver[] = [];

  constructor(private readonly o: RoomsOptions) {
    this.rebalancer = setInterval(() => {
      for (const room of this.rooms.values()) {
        // Trees get a bounded rebalance step; any room gets a replan when a held-back bandwidth report waits.
        if (room.plan.topology !== 'tree' && !o.planner.wantsReplan?.(room.consultationId)) continue;
        this.inRoom(room.consultationId, () => this.replan(room)).catch((err) =>
          this.o.log.error({ err }, 'background rebalance failed'),
        );
      }
    }, o.rebalanceIntervalMs);
    this.rebalancer.unref();
  }

  observe(observer: RoomObserver): void {
    this.observers.push(observer);
  }

  get(consultationId: string): Room | undefined {
    return this.rooms.get(consultationId);
  }

  /** Sends to every member of a room (no-op without one). */
  broadcast(consultationId: string, message: ServerMessage): void {
    this.rooms.get(consultationId)?.broadcast(message);
  }

  /** Every room in this process, lobby-only ones included (metrics read them when scraped). */
  live(): IterableIterator<Room> {
    return this.rooms.values();
  }

  /**
   * Handles a `join`: admits staff and admitted guests, parks other guests in the lobby, or resumes a place. A
   * `bandwidth` report sent with it is in force before the first plan that includes the newcomer.
   */
  join(link: Link, consultationId: string, resumeToken?: string, bandwidth?: BandwidthReport): Promise<void> {
    return this.inRoom(consultationId, async () => {
      if (link.place.state !== 'idle')
        throw new AppError(ErrorCode.Conflict, 'Already in a room; leave first');
      // The socket's session may have ended since it opened (signed out, revoked): the database decides.
      const principal = await principalForSession(this.o.prisma, link.principal.sessionId);
      if (!principal) {
        link.close(CloseCode.SessionEnded, 'your session has ended; sign in again');
        throw new AppError(ErrorCode.Unauthenticated, 'Your session has ended; sign in again');
      }
      link.principal = principal;
      const participant = await participantForJoin(this.o.prisma, principal, consultationId);
      const room = this.room(consultationId);
      const existing = room.members.get(participant.id);

      if (resumeToken !== undefined) {
        if (!existing || !sameHash(existing.resumeTokenHash, hashToken(resumeToken))) {
          // Worth a line: the client re-joins afresh, and the others see it leave and come back.
          this.o.log.info(
            { consultationId, participantId: participant.id, held: existing !== undefined },
            existing ? 'a resume with a token that is not the place’s latest' : 'a resume for no place held',
          );
          throw new AppError(ErrorCode.ResumeFailed, 'Your place in the call has expired; join again');
        }
        const wasLost = existing.relayLost === true;
        const token = this.attach(room, existing, link);
        link.send(this.joinedMessage(room, existing, token, true));
        releaseSignals(existing);
        // An answer it sent into the dead connection is lost, and only the offerer can start that exchange again.
        room.broadcast({ type: 'peer-resumed', peer: existing.peer }, existing.participantId);
        await this.notify((o) => o.memberJoined?.(room, existing.participantId, true));
        if (bandwidth) await this.applyBandwidth(room, existing, bandwidth);
        // Back after it was shed as a relay: it may relay again.
        else if (wasLost) await this.replan(room);
        return;
      }
      if (participant.admission === 'DENIED') {
        link.send({ type: 'denied', consultationId });
        return;
      }
      if (participant.admission === 'WAITING') {
        room.lobby.get(participant.id)?.link.close(CloseCode.Replaced, 'replaced by a newer connection');
        room.lobby.set(participant.id, {
          participantId: participant.id,
          peer: peerOf(participant),
          link,
          ...(bandwidth ? { bandwidth } : {}),
        });
        link.place = { state: 'waiting', consultationId, participantId: participant.id };
        link.send({ type: 'waiting', consultationId });
        await this.lobbyChanged(room);
        return;
      }
      if (existing) await this.drop(room, existing, CloseCode.Replaced, 'replaced by a newer connection');
      await this.enter(room, participant, link, bandwidth);
    });
  }

  /** A staff decision reached the database; move the waiting guest accordingly. */
  admissionDecided(
    consultationId: string,
    participant: Parameters<typeof peerOf>[0] & { userId: string | null },
    decision: 'ADMITTED' | 'DENIED',
  ): Promise<void> {
    return this.inRoom(consultationId, async () => {
      const room = this.rooms.get(consultationId);
      const waiting = room?.lobby.get(participant.id);
      if (!room || !waiting) return;
      room.lobby.delete(participant.id);
      room.broadcastLobby();
      waiting.link.place = { state: 'idle' };
      if (decision === 'DENIED') {
        waiting.link.send({ type: 'denied', consultationId });
        await this.foresee(room);
        return;
      }
      // Foreseen again only after the plan that admits them: a standby built for this admission is used by that
      // plan, not released just before it.
      await this.enter(room, participant, waiting.link, waiting.bandwidth);
      await this.foresee(room);
    });
  }

  /** Clean leave (the client said so): others see it at once. */
  leave(link: Link): Promise<void> {
    const place = link.place;
    if (place.state === 'idle') return Promise.resolve();
    return this.inRoom(place.consultationId, async () => {
      if (link.place !== place) return;
      const room = this.rooms.get(place.consultationId);
      link.place = { state: 'idle' };
      if (!room) return;
      if (place.state === 'waiting') {
        if (room.lobby.get(place.participantId)?.link === link) room.lobby.delete(place.participantId);
        await this.lobbyChanged(room);
      } else {
        const member = room.members.get(place.participantId);
        if (member?.link === link) await this.depart(room, member, 'left');
      }
      this.forgetIfEmpty(room);
    });
  }

  /**
   * The socket closed without a leave. A network drop keeps the place for the grace period, silently; a close
   * that ends the connection for good (its session ended, access withdrawn) is a departure others see at once.
   * A relay whose page is gone (`page-gone`: closed, reloaded or crashed) relays nothing from now on, so the room
   * is replanned at once; one whose connection broke without a close frame (`broken`, a process killed, most
   * likely) gets `relayBrokenMs`, long enough for a proxy's restart; one that merely dropped gets `relayLossMs`.
   */
  disconnected(link: Link, end: SocketEnd): Promise<void> {
    const place = link.place;
    if (place.state === 'idle') return Promise.resolve();
    return this.inRoom(place.consultationId, async () => {
      if (link.place !== place) return;
      const room = this.rooms.get(place.consultationId);
      if (!room) return;
      if (place.state === 'waiting') {
        link.place = { state: 'idle' };
        if (room.lobby.get(place.participantId)?.link === link) room.lobby.delete(place.participantId);
        await this.lobbyChanged(room);
        this.forgetIfEmpty(room);
        return;
      }
      const member = room.members.get(place.participantId);
      if (!member || member.link !== link) return;
      if (end === 'final') {
        link.place = { state: 'idle' };
        await this.depart(room, member, 'removed');
        this.forgetIfEmpty(room);
        return;
      }
      member.link = null;
      member.peer = { ...member.peer, connected: false };
      member.disconnectedAt = Date.now();
      // The others can say why its picture froze ("reconnecting"); `peer-resumed` or `peer-left` follows.
      room.broadcast({ type: 'peer-updated', peer: member.peer }, member.participantId);
      this.startGrace(room, member, this.o.reconnectGraceMs);
      if (!relaysOthers(room.plan, member.participantId)) return;
      if (end === 'page-gone') await this.loseRelay(room, member, end);
      else if (end === 'broken') this.startRelayLoss(room, member, this.o.relayBrokenMs);
      else this.startRelayLoss(room, member, this.o.relayLossMs);
    });
  }

  /**
   * Takes over a room rebuilt from its snapshot (cluster: this node became its owner). Members without a
   * connection wait out what is left of their grace period, counted from when they were disconnected.
   * Call inside the room's queue (`within`).
   */
  adopt(room: Room): void {
    this.rooms.set(room.consultationId, room);
    // Not awaited: the caller holds the room's turn, and observers take their own.
    void this.notify((o) => o.roomAdopted?.(room)).catch((err) =>
      this.o.log.error({ err, consultationId: room.consultationId }, 'an observer failed on an adopted room'),
    );
    const now = Date.now();
    for (const member of room.members.values()) {
      if (member.link) continue;
      const since = member.disconnectedAt ?? now;
      this.startGrace(room, member, Math.max(0, this.o.reconnectGraceMs - (now - since)));
      if (relaysOthers(room.plan, member.participantId))
        this.startRelayLoss(room, member, Math.max(0, this.o.relayLossMs - (now - since)));
    }
  }

  /** Lets go of a room without telling anyone (cluster: another node runs it now, or will). */
  forget(consultationId: string): void {
    const room = this.rooms.get(consultationId);
    if (!room) return;
    for (const m of room.members.values()) stopTimers(m);
    this.rooms.delete(consultationId);
    this.o.planner.forget(consultationId);
  }

  /** Runs `task` in the room's order, like every change Rooms makes itself. */
  within<T>(consultationId: string, task: () => Promise<T>): Promise<T> {
    return this.inRoom(consultationId, task);
  }

  /** Takes out someone whose access was withdrawn (invite revoked): from the lobby or the call. */
  remove(consultationId: string, participantId: string): Promise<void> {
    return this.inRoom(consultationId, async () => {
      const room = this.rooms.get(consultationId);
      if (!room) return;
      const waiting = room.lobby.get(participantId);
      if (waiting) {
        room.lobby.delete(participantId);
        waiting.link.place = { state: 'idle' };
        waiting.link.close(CloseCode.AccessWithdrawn, 'access withdrawn');
        await this.lobbyChanged(room);
      }
      const member = room.members.get(participantId);
      if (member) await this.drop(room, member, CloseCode.AccessWithdrawn, 'access withdrawn');
      this.forgetIfEmpty(room);
    });
  }

  /** The consultation ended: tell everyone and close the room. */
  end(consultationId: string): Promise<void> {
    return this.inRoom(consultationId, async () => {
      const room = this.rooms.get(consultationId);
      if (!room) return;
      const message = { type: 'consultation-ended', consultationId } as const;
      const links = [
        ...[...room.lobby.values()].map((w) => w.link),
        ...[...room.members.values()].flatMap((m) => (m.link ? [m.link] : [])),
      ];
      for (const m of room.members.values()) stopTimers(m);
      for (const link of links) {
        link.send(message);
        link.place = { state: 'idle' };
        link.close(CloseCode.ConsultationEnded, 'consultation ended');
      }
      this.rooms.delete(consultationId);
      this.o.planner.forget(consultationId);
      await this.notify((o) => o.roomEnded?.(consultationId));
    });
  }

  /**
   * A member's measured bandwidth: others are told, the record kept, and the planner reacts. From a guest in the
   * waiting room it is only kept, for the plan made when they are admitted (one plan for their arrival).
   */
  reportBandwidth(link: Link, report: BandwidthReport): Promise<void> {
    const place = link.place;
    if (place.state === 'idle') return Promise.reject(notInRoom(place.state));
    return this.inRoom(place.consultationId, async () => {
      const room = this.rooms.get(place.consultationId);
      if (place.state === 'waiting') {
        const waiting = room?.lobby.get(place.participantId);
        if (!waiting || waiting.link !== link || link.place !== place) throw notInRoom('idle');
        waiting.bandwidth = report;
        return;
      }
      const member = room?.members.get(place.participantId);
      if (!room || !member || member.link !== link) throw notInRoom('idle');
      await this.applyBandwidth(room, member, report);
    });
  }

  /** A member's declared media state (mute, camera off, screen share): kept on their peer and told to others. */
  reportMedia(link: Link, media: MediaState): Promise<void> {
    const place = link.place;
    if (place.state !== 'joined') return Promise.reject(notInRoom(place.state));
    return this.inRoom(place.consultationId, async () => {
      const room = this.rooms.get(place.consultationId);
      const member = room?.members.get(place.participantId);
      if (!room || !member || member.link !== link) throw notInRoom('idle');
      // Peers show a screen only while its sender declares it, so this is where sharing is allowed or not (the
      // SFU checks its screen producers too; docs/screen-share.md).
      const sharing = (on: boolean, outcome?: 'denied') =>
        this.o.presence.screenShare(
          room.consultationId,
          member.participantId,
          on,
          link.principal,
          link.ip,
          outcome,
        );
      if (media.screenSharing && !mayShareScreen(member.peer.role)) {
        await sharing(true, 'denied');
        throw new AppError(ErrorCode.Forbidden, 'Only clinic staff and colleagues can share a screen');
      }
      const wasSharing = member.peer.media?.screenSharing ?? false;
      member.peer = { ...member.peer, media };
      room.broadcast({ type: 'peer-updated', peer: member.peer }, member.participantId);
      if (media.screenSharing !== wasSharing) {
        await sharing(media.screenSharing);
        // The plan counts each shared screen (docs/routing.md): starting or stopping one can change it.
        await this.replan(room);
      }
    });
  }

  /**
   * Recording as the routing policy sees it, and the media gate that goes with it (set by the recording service):
   * any state but 'off' puts the room on the SFU. Replans when it changed.
   */
  setRecording(
    consultationId: string,
    recording: Room['recording'],
    mediaAllowed: Room['mediaAllowed'] = () => true,
  ): Promise<void> {
    return this.inRoom(consultationId, async () => {
      const room = this.rooms.get(consultationId);
      if (!room) return;
      room.mediaAllowed = mediaAllowed;
      if (room.recording === recording) return;
      room.recording = recording;
      await this.replan(room);
    });
  }

  shutdown(): void {
    clearInterval(this.rebalancer);
    for (const room of this.rooms.values()) {
      for (const m of room.members.values()) stopTimers(m);
    }
    this.rooms.clear();
  }

  get size(): number {
    return this.rooms.size;
  }

  // ---- internals --------------------------------------------------------------------------------------------

  private inRoom<T>(consultationId: string, task: () => Promise<T>): Promise<T> {
    const changed = this.o.changed;
    if (!changed) return this.o.queue.run(consultationId, task);
    return this.o.queue.run(consultationId, async () => {
      this.o.changing?.(consultationId);
      try {
        return await task();
      } finally {
        await changed(consultationId);
      }
    });
  }

  /**
   * A relay whose connection dropped: if it is not back within `relayLossMs`, it stops relaying and the room is
   * replanned, so its children get other parents long before its grace period ends. A crashed browser's media
   * died with its socket; a network blip or a signaling node's restart resumes sooner and changes nothing. If it
   * was alive after all, its children's old links stay until the new ones deliver (make before break).
   */
  private startRelayLoss(room: Room, member: Member, ms: number): void {
    if (member.relayLossTimer) clearTimeout(member.relayLossTimer);
    member.relayLossTimer = setTimeout(() => {
      member.relayLossTimer = null;
      this.inRoom(room.consultationId, async () => {
        if (member.link || room.members.get(member.participantId) !== member) return;
        await this.loseRelay(room, member, 'away');
      }).catch((err) => this.o.log.error({ err }, 'failed to replan around a lost relay'));
    }, ms);
    member.relayLossTimer.unref();
  }

  /** Inside the room's turn: the relay stops relaying (its place is kept) and the room is replanned. */
  private async loseRelay(room: Room, member: Member, why: 'page-gone' | 'away'): Promise<void> {
    member.relayLost = true;
    this.o.log.info(
      { consultationId: room.consultationId, participantId: member.participantId, why },
      'a relay lost its connection: replanning without it as a relay',
    );
    await this.replan(room);
  }

  private startGrace(room: Room, member: Member, ms: number): void {
    member.graceTimer = setTimeout(() => {
      member.graceTimer = null;
      this.inRoom(room.consultationId, async () => {
        if (member.link || room.members.get(member.participantId) !== member) return;
        await this.depart(room, member, 'timeout');
        this.forgetIfEmpty(room);
      }).catch((err) => this.o.log.error({ err }, 'failed to record a timed-out leave'));
    }, ms);
    member.graceTimer.unref();
  }

  private room(consultationId: string): Room {
    let room = this.rooms.get(consultationId);
    if (!room) {
      room = new Room(consultationId);
      this.rooms.set(consultationId, room);
    }
    return room;
  }

  private forgetIfEmpty(room: Room): void {
    if (room.empty && this.rooms.get(room.consultationId) === room) {
      this.rooms.delete(room.consultationId);
      this.o.planner.forget(room.consultationId);
    }
  }

  /** Puts a member's report in force: the record, the other members, then a plan that follows it. */
  private async applyBandwidth(room: Room, member: Member, report: BandwidthReport): Promise<void> {
    this.takeReport(member, report);
    await this.o.presence.measured(member.participantId, report.uplinkKbps, report.downlinkKbps);
    room.broadcast({ type: 'peer-updated', peer: member.peer }, member.participantId);
    await this.replan(room);
    await this.notify((o) => o.memberUpdated?.(room, member.participantId));
  }

  private takeReport(member: Member, report: BandwidthReport): void {
    member.peer = { ...member.peer, uplinkKbps: report.uplinkKbps, downlinkKbps: report.downlinkKbps };
    member.relayOnly = report.relayOnly ?? member.relayOnly;
    member.device = report.device ?? member.device;
    // A report without it says too little media arrived to tell: unknown now, not the old figure.
    if (report.receiveLossPercent === undefined) delete member.receiveLossPercent;
    else member.receiveLossPercent = report.receiveLossPercent;
  }

  private async enter(
    room: Room,
    participant: Parameters<typeof peerOf>[0] & { userId: string | null },
    link: Link,
    bandwidth?: BandwidthReport,
  ): Promise<void> {
    const member: Member = {
      participantId: participant.id,
      kind: participant.userId ? 'staff' : 'guest',
      peer: peerOf(participant),
      relayOnly: false,
      device: 'laptop',
      resumeTokenHash: '',
      link: null,
      graceTimer: null,
    };
    // A report sent with the join (or from the waiting room) is in force before anyone sees the newcomer, so the
    // plan below is made with it: without it every join made two plans (one without the newcomer's figures, the
    // second when its first report arrived), and at the 2 -> 3 switch peers connected for the first in between.
    if (bandwidth) this.takeReport(member, bandwidth);
    room.members.set(member.participantId, member);
    const token = this.attach(room, member, link);
    await this.o.presence.entered(
      room.consultationId,
      participant.id,
      room.members.size,
      link.principal,
      link.ip,
    );
    if (bandwidth) {
      await this.o.presence.measured(member.participantId, bandwidth.uplinkKbps, bandwidth.downlinkKbps);
    }
    room.broadcast({ type: 'peer-joined', peer: member.peer }, member.participantId);
    // joined carries the current plan; the replan that follows sends the newer one to everyone, newcomer included.
    link.send(this.joinedMessage(room, member, token, false));
    await this.replan(room);
    await this.notify((o) => o.memberJoined?.(room, member.participantId, false));
  }

  /** Puts a connection on a member's place; returns the new resume token (only its hash is kept). */
  private attach(room: Room, member: Member, link: Link): string {
    stopTimers(member);
    member.relayLost = false;
    if (member.link && member.link !== link) {
      member.link.place = { state: 'idle' };
      member.link.close(CloseCode.Replaced, 'replaced by a newer connection');
    }
    member.link = link;
    member.disconnectedAt = undefined;
    member.peer = { ...member.peer, connected: true };
    const token = newToken();
    member.resumeTokenHash = hashToken(token);
    link.place = {
      state: 'joined',
      consultationId: room.consultationId,
      participantId: member.participantId,
    };
    return token;
  }

  private joinedMessage(room: Room, member: Member, resumeToken: string, resumed: boolean) {
    return {
      type: 'joined' as const,
      consultationId: room.consultationId,
      self: member.peer,
      peers: room.peers(member.participantId),
      plan: room.plan,
      resumeToken,
      resumed,
      lobby: member.kind === 'staff' ? room.waiting() : [],
    };
  }

  /** Takes a member out now, closing its socket (replaced or removed): others see a leave. */
  private async drop(room: Room, member: Member, code: number, why: string): Promise<void> {
    const link = member.link;
    if (link) link.place = { state: 'idle' };
    link?.close(code, why);
    await this.depart(room, member, 'removed');
  }

  private async depart(room: Room, member: Member, reason: DepartureReason): Promise<void> {
    if (room.members.get(member.participantId) !== member) return;
    stopTimers(member);
    room.members.delete(member.participantId);
    room.broadcast({ type: 'peer-left', peerId: member.participantId, reason });
    // The plan first: a relay's children connect to their new parents while the record is written.
    await this.replan(room);
    await this.o.presence.left(room.consultationId, member.participantId, reason);
    await this.notify((o) => o.memberLeft?.(room, member.participantId, reason));
  }

  private async notify(call: (o: RoomObserver) => Promise<void> | void): Promise<void> {
    for (const o of this.observers) await call(o);
  }

  /** Asks the planner for the room's plan and, when it changed, sends it and records the topology. */
  private async replan(room: Room): Promise<void> {
    const next = this.o.planner.plan(room);
    const same =
      room.plan.version > 0 &&
      next.topology === room.plan.topology &&
      next.quality === room.plan.quality &&
      JSON.stringify(next.reasons) === JSON.stringify(room.plan.reasons) &&
      JSON.stringify(next.edges) === JSON.stringify(room.plan.edges);
    // A member's new figures can change what a waiting guest's admission would bring, though not the plan.
    if (same) return this.foresee(room);
    const topologyChanged = next.topology !== room.plan.topology;
    room.plan = { ...next, version: room.plan.version + 1 };
    room.broadcast({ type: 'plan', plan: room.plan });
    if (topologyChanged || room.plan.version === 1) {
      await this.o.presence.routed(room.consultationId, room.plan.topology);
    }
    await this.notify((o) => o.planChanged?.(room));
    await this.foresee(room);
  }

  /** Someone entered or left the waiting room: staff are told, and what their admission would bring foreseen. */
  private async lobbyChanged(room: Room): Promise<void> {
    room.broadcastLobby();
    await this.foresee(room);
  }

  /** Re-reads the planner's foresight for the room's waiting guests; observers hear when it changed. */
  private async foresee(room: Room): Promise<void> {
    const next = room.lobby.size > 0 ? (this.o.planner.foresee?.(room) ?? null) : null;
    if (next === room.foreseen) return;
    room.foreseen = next;
    await this.notify((o) => o.foreseen?.(room));
  }
}

function peerOf(p: {
  id: string;
  displayName: string;
  role: Peer['role'];
  uplinkKbps: number | null;
  downlinkKbps: number | null;
}): Peer {
  return {
    id: p.id,
    displayName: p.displayName,
    role: p.role,
    uplinkKbps: p.uplinkKbps,
    downlinkKbps: p.downlinkKbps,
    connected: true,
  };
}

/** The member's timers (grace, relay loss) stopped. */
function stopTimers(member: Member): void {
  if (member.graceTimer) clearTimeout(member.graceTimer);
  if (member.relayLossTimer) clearTimeout(member.relayLossTimer);
  member.graceTimer = null;
  member.relayLossTimer = null;
}

function notInRoom(state: Link['place']['state']): AppError {
  return new AppError(
    state === 'waiting' ? ErrorCode.NotAdmitted : ErrorCode.NotInRoom,
    'Join the consultation first',
  );
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
