import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCode, type Peer } from '@consulta/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { recordAudit } from '../audit/record.ts';
import type { Principal } from '../auth/principal.ts';
import type { PrismaClient } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { Link } from './link.ts';
import type { Member } from './member.ts';
import { Room } from './room.ts';
import type { RoutePlanner } from './route-planner.ts';

export interface RoomsOptions {
  prisma: PrismaClient;
  log: FastifyBaseLogger;
  reconnectGraceMs: number;
  planner: RoutePlanner;
  /** How often rooms in tree mode get a background replan (one bounded rebalance step). */
  rebalanceIntervalMs: number;
}

/** Other modules (recording) follow membership through this, so rooms need not know about them. */
export interface RoomObserver {
  /** After a member entered (or resumed) and got `joined`. */
  memberJoined?(room: Room, participantId: string, resumed: boolean): Promise<void> | void;
  memberLeft?(room: Room, participantId: string): Promise<void> | void;
  /** The consultation ended; the room is gone. */
  roomEnded?(consultationId: string): Promise<void> | void;
  /** A new plan went out to the room's members (the SFU follows topology changes). */
  planChanged?(room: Room): Promise<void> | void;
  /** A member's reported details (bandwidth) changed. */
  memberUpdated?(room: Room, participantId: string): Promise<void> | void;
}

/**
 * Every live room in this process, and the moves people make between them: join, wait, resume, leave, time out.
 * Membership and admission are re-checked against the database on every join.
 */
export class Rooms {
  private readonly rooms = new Map<string, Room>();
  private readonly rebalancer: NodeJS.Timeout;
  private readonly observers: RoomObserver[] = [];

  constructor(private readonly o: RoomsOptions) {
    this.rebalancer = setInterval(() => {
      for (const room of this.rooms.values()) {
        if (room.plan.topology !== 'tree') continue;
        this.replan(room).catch((err) => this.o.log.error({ err }, 'background rebalance failed'));
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

  /** Handles a `join`: admits staff and admitted guests, parks other guests in the lobby, or resumes a place. */
  async join(link: Link, consultationId: string, resumeToken?: string): Promise<void> {
    if (link.place.state !== 'idle') throw new AppError(ErrorCode.Conflict, 'Already in a room; leave first');
    const participant = await this.participantFor(link.principal, consultationId);
    const room = this.room(consultationId);
    const existing = room.members.get(participant.id);

    if (resumeToken !== undefined) {
      if (!existing || !sameToken(existing.resumeToken, resumeToken)) {
        throw new AppError(ErrorCode.ResumeFailed, 'Your place in the call has expired; join again');
      }
      this.attach(room, existing, link);
      link.send(this.joinedMessage(room, existing, true));
      await this.notify((o) => o.memberJoined?.(room, existing.participantId, true));
      return;
    }
    if (participant.admission === 'DENIED') {
      link.send({ type: 'denied', consultationId });
      return;
    }
    if (participant.admission === 'WAITING') {
      room.lobby.get(participant.id)?.link.close(4001, 'replaced by a newer connection');
      room.lobby.set(participant.id, { participantId: participant.id, peer: this.peerOf(participant), link });
      link.place = { state: 'waiting', consultationId, participantId: participant.id };
      link.send({ type: 'waiting', consultationId });
      room.broadcastLobby();
      return;
    }
    if (existing) this.drop(room, existing, 'removed', 4001, 'replaced by a newer connection');
    await this.enter(room, participant, link);
  }

  /** A staff decision reached the database; move the waiting guest accordingly. */
  async admissionDecided(consultationId: string, participantId: string, decision: 'ADMITTED' | 'DENIED') {
    const room = this.rooms.get(consultationId);
    const waiting = room?.lobby.get(participantId);
    if (!room || !waiting) return;
    room.lobby.delete(participantId);
    room.broadcastLobby();
    waiting.link.place = { state: 'idle' };
    if (decision === 'DENIED') {
      waiting.link.send({ type: 'denied', consultationId });
      return;
    }
    const participant = await this.o.prisma.participant.findUniqueOrThrow({ where: { id: participantId } });
    await this.enter(room, participant, waiting.link);
  }

  /** Clean leave (the client said so): others see it at once. */
  async leave(link: Link): Promise<void> {
    const place = link.place;
    if (place.state === 'idle') return;
    const room = this.rooms.get(place.consultationId);
    if (!room) return;
    if (place.state === 'waiting') {
      room.lobby.delete(place.participantId);
      room.broadcastLobby();
    } else {
      const member = room.members.get(place.participantId);
      if (member) await this.depart(room, member, 'left');
    }
    link.place = { state: 'idle' };
    this.forgetIfEmpty(room);
  }

  /** The socket closed without a leave: keep the place for the grace period, silently. */
  disconnected(link: Link): void {
    const place = link.place;
    if (place.state === 'idle') return;
    const room = this.rooms.get(place.consultationId);
    if (!room) return;
    if (place.state === 'waiting') {
      if (room.lobby.get(place.participantId)?.link === link) room.lobby.delete(place.participantId);
      room.broadcastLobby();
      this.forgetIfEmpty(room);
      return;
    }
    const member = room.members.get(place.participantId);
    if (!member || member.link !== link) return;
    member.link = null;
    member.peer = { ...member.peer, connected: false };
    member.graceTimer = setTimeout(() => {
      member.graceTimer = null;
      this.depart(room, member, 'timeout')
        .catch((err) => this.o.log.error({ err }, 'failed to record a timed-out leave'))
        .finally(() => this.forgetIfEmpty(room));
    }, this.o.reconnectGraceMs);
    member.graceTimer.unref();
  }

  /** Removes someone whose access was withdrawn (invite revoked). */
  remove(consultationId: string, participantId: string): void {
    const room = this.rooms.get(consultationId);
    if (!room) return;
    const waiting = room.lobby.get(participantId);
    if (waiting) {
      room.lobby.delete(participantId);
      waiting.link.place = { state: 'idle' };
      waiting.link.close(4003, 'access withdrawn');
      room.broadcastLobby();
    }
    const member = room.members.get(participantId);
    if (member) this.drop(room, member, 'removed', 4003, 'access withdrawn');
    this.forgetIfEmpty(room);
  }

  /** The consultation ended: tell everyone and close the room. */
  end(consultationId: string): void {
    const room = this.rooms.get(consultationId);
    if (!room) return;
    const message = { type: 'consultation-ended', consultationId } as const;
    for (const w of room.lobby.values()) {
      w.link.send(message);
      w.link.place = { state: 'idle' };
      w.link.close(1000, 'consultation ended');
    }
    for (const m of room.members.values()) {
      if (m.graceTimer) clearTimeout(m.graceTimer);
      m.link?.send(message);
      if (m.link) m.link.place = { state: 'idle' };
      m.link?.close(1000, 'consultation ended');
    }
    this.rooms.delete(consultationId);
    this.o.planner.forget(consultationId);
    this.notify((o) => o.roomEnded?.(consultationId)).catch((err) =>
      this.o.log.error({ err }, 'a room observer failed on end'),
    );
  }

  /** Members' details changed (bandwidth): tell the others and let the planner react. */
  async updated(room: Room, member: Member): Promise<void> {
    room.broadcast({ type: 'peer-updated', peer: member.peer }, member.participantId);
    await this.o.prisma.participant.update({
      where: { id: member.participantId },
      data: { uplinkKbps: member.peer.uplinkKbps, downlinkKbps: member.peer.downlinkKbps },
    });
    await this.replan(room);
    await this.notify((o) => o.memberUpdated?.(room, member.participantId));
  }

  shutdown(): void {
    clearInterval(this.rebalancer);
    for (const room of this.rooms.values()) {
      for (const m of room.members.values()) if (m.graceTimer) clearTimeout(m.graceTimer);
    }
    this.rooms.clear();
  }

  get size(): number {
    return this.rooms.size;
  }

  // ---- internals --------------------------------------------------------------------------------------------

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

  private async participantFor(principal: Principal, consultationId: string) {
    const { prisma } = this.o;
    const c = await prisma.consultation.findUnique({ where: { id: consultationId } });
    if (principal.kind === 'guest') {
      if (!c || principal.consultationId !== consultationId) {
        throw new AppError(ErrorCode.Forbidden, 'Your invitation is for a different consultation');
      }
      if (c.status === 'ENDED')
        throw new AppError(ErrorCode.ConsultationEnded, 'This consultation has ended');
      return prisma.participant.findUniqueOrThrow({ where: { id: principal.participantId } });
    }
    if (!c || (c.clinicianId !== principal.userId && principal.role !== 'ADMIN')) {
      throw new AppError(ErrorCode.NotFound, 'No such consultation');
    }
    if (c.status === 'ENDED') throw new AppError(ErrorCode.ConsultationEnded, 'This consultation has ended');
    return prisma.participant.upsert({
      where: { consultationId_userId: { consultationId, userId: principal.userId } },
      create: {
        consultationId,
        userId: principal.userId,
        displayName: principal.displayName,
        role: principal.role,
        admission: 'ADMITTED',
      },
      update: {},
    });
  }

  private peerOf(p: {
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

  private async enter(
    room: Room,
    participant: Parameters<Rooms['peerOf']>[0] & { userId: string | null },
    link: Link,
  ): Promise<void> {
    const member: Member = {
      participantId: participant.id,
      kind: participant.userId ? 'staff' : 'guest',
      peer: this.peerOf(participant),
      relayOnly: false,
      device: 'laptop',
      resumeToken: randomBytes(24).toString('base64url'),
      link: null,
      graceTimer: null,
    };
    room.members.set(member.participantId, member);
    this.attach(room, member, link);
    const now = new Date();
    await this.o.prisma.participant.update({
      where: { id: participant.id },
      data: { joinedAt: now, leftAt: null },
    });
    const admitted = room.members.size;
    await this.o.prisma.consultation.updateMany({
      where: {
        id: room.consultationId,
        status: { in: admitted >= 2 ? ['SCHEDULED', 'WAITING'] : ['SCHEDULED'] },
      },
      data: admitted >= 2 ? { status: 'ACTIVE', startedAt: now } : { status: 'WAITING' },
    });
    await recordAudit(this.o.prisma, {
      action: 'room.join',
      actor: link.principal,
      targetType: 'participant',
      targetId: participant.id,
      consultationId: room.consultationId,
      ip: link.ip,
    });
    room.broadcast({ type: 'peer-joined', peer: member.peer }, member.participantId);
    // joined carries the current plan; the replan that follows sends the newer one to everyone, newcomer included.
    link.send(this.joinedMessage(room, member, false));
    await this.replan(room);
    await this.notify((o) => o.memberJoined?.(room, member.participantId, false));
  }

  private attach(room: Room, member: Member, link: Link): void {
    if (member.graceTimer) clearTimeout(member.graceTimer);
    member.graceTimer = null;
    if (member.link && member.link !== link) {
      member.link.place = { state: 'idle' };
      member.link.close(4001, 'replaced by a newer connection');
    }
    member.link = link;
    member.peer = { ...member.peer, connected: true };
    link.place = {
      state: 'joined',
      consultationId: room.consultationId,
      participantId: member.participantId,
    };
  }

  private joinedMessage(room: Room, member: Member, resumed: boolean) {
    return {
      type: 'joined' as const,
      consultationId: room.consultationId,
      self: member.peer,
      peers: room.peers(member.participantId),
      plan: room.plan,
      resumeToken: member.resumeToken,
      resumed,
      lobby: member.kind === 'staff' ? room.waiting() : [],
    };
  }

  /** Takes a member out now, closing its socket (replaced or removed): others see a leave. */
  private drop(room: Room, member: Member, reason: 'removed', code: number, why: string): void {
    const link = member.link;
    if (link) link.place = { state: 'idle' };
    this.depart(room, member, reason).catch((err) => this.o.log.error({ err }, 'failed to record a removal'));
    link?.close(code, why);
  }

  private async depart(room: Room, member: Member, reason: 'left' | 'timeout' | 'removed'): Promise<void> {
    if (room.members.get(member.participantId) !== member) return;
    if (member.graceTimer) clearTimeout(member.graceTimer);
    room.members.delete(member.participantId);
    room.broadcast({ type: 'peer-left', peerId: member.participantId, reason });
    await this.o.prisma.participant.update({
      where: { id: member.participantId },
      data: { leftAt: new Date() },
    });
    await recordAudit(this.o.prisma, {
      action: 'room.leave',
      actor: { kind: 'system' },
      targetType: 'participant',
      targetId: member.participantId,
      consultationId: room.consultationId,
      details: { reason },
    });
    await this.replan(room);
    await this.notify((o) => o.memberLeft?.(room, member.participantId));
  }

  private async notify(call: (o: RoomObserver) => Promise<void> | void): Promise<void> {
    for (const o of this.observers) await call(o);
  }

  /**
   * Asks the planner for the room's plan and, when it changed, sends it and records the topology. Public for
   * state the planner reads that changes outside membership (recording).
   */
  async replan(room: Room): Promise<void> {
    const next = this.o.planner.plan(room);
    const same =
      room.plan.version > 0 &&
      next.topology === room.plan.topology &&
      next.quality === room.plan.quality &&
      // The first reason is what people are shown as the route's cause (e.g. 'alone' -> 'two-party').
      next.reasons[0]?.code === room.plan.reasons[0]?.code &&
      JSON.stringify(next.edges) === JSON.stringify(room.plan.edges);
    if (same) return;
    const topologyChanged = next.topology !== room.plan.topology;
    room.plan = { ...next, version: room.plan.version + 1 };
    room.broadcast({ type: 'plan', plan: room.plan });
    if (topologyChanged || room.plan.version === 1) {
      await this.o.prisma.consultation.update({
        where: { id: room.consultationId },
        data: { topology: room.plan.topology },
      });
    }
    await this.notify((o) => o.planChanged?.(room));
  }
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
