import { type ClientMessage, type ClientMessageOf, ErrorCode } from '@consulta/protocol';
import { decideAdmission } from '../consultations/admission.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { requireStaffLink } from './guards.ts';
import { holdSignal } from './held-signals.ts';
import type { Link } from './link.ts';

type Handler<T extends ClientMessage['type']> = (
  ctx: AppContext,
  link: Link,
  message: ClientMessageOf<T>,
) => Promise<void> | void;

/** One entry per client message type; the compiler insists every type has one. */
const handlers: { [T in ClientMessage['type']]: Handler<T> } = {
  join: (ctx, link, m) => ctx.rooms.join(link, m.consultationId, m.resumeToken, m.bandwidth),
  leave: (ctx, link) => ctx.rooms.leave(link),
  ping: (_ctx, link, m) => link.send({ type: 'pong', t: m.t, serverTime: Date.now() }),

  signal: (ctx, link, m) => {
    const { room, self } = joined(ctx, link);
    // Addresses are checked against this room only: nobody can reach a peer elsewhere through us.
    const target = room.members.get(m.to);
    if (!target || m.to === self)
      throw new AppError(ErrorCode.UnknownPeer, 'No such peer in this consultation');
    const signal = { type: 'signal' as const, from: self, to: m.to, streamId: m.streamId, data: m.data };
    // A peer that is reconnecting gets it when it resumes.
    if (target.link) target.link.send(signal);
    else holdSignal(target, signal);
  },

  bandwidth: (ctx, link, m) => {
    const { type: _, ...report } = m;
    return ctx.rooms.reportBandwidth(link, report);
  },

  'media-state': (ctx, link, m) => ctx.rooms.reportMedia(link, m.media),
  'receive-latency': (ctx, link, m) => {
    // Kept in memory only, latest report per member: a live figure, not a record.
    const { room, self } = joined(ctx, link);
    const member = room.members.get(self);
    if (member?.link === link) member.receiveLatency = { at: Date.now(), streams: m.streams };
  },

  chat: (ctx, link, m) => {
    const { room, self } = joined(ctx, link);
    const at = new Date().toISOString();
    room.broadcast({ type: 'chat', from: self, text: m.text, at, ...(m.id ? { id: m.id } : {}) });
  },

  admit: (ctx, link, m) => decide(ctx, link, m.participantId, 'ADMITTED'),
  deny: (ctx, link, m) => decide(ctx, link, m.participantId, 'DENIED'),

  'media-path': (ctx, link, m) => {
    const { room, self } = joined(ctx, link);
    const { type: _, ...report } = m;
    ctx.mediaPaths.report(room, self, report);
  },

  'recording-consent': async (ctx, link, m) => {
    const { room, self } = joined(ctx, link);
    await ctx.recordings.consent(link.principal, room, self, m.recordingId, m.granted, link.ip);
  },
  'recording-withdraw-consent': async (ctx, link, m) => {
    const { room, self } = joined(ctx, link);
    await ctx.recordings.withdraw(link.principal, room, self, m.recordingId, link.ip);
  },

  // SFU: the media module does the work; replies carry the request's id (errors get it at the edge).
  'sfu-transport-create': async (ctx, link, m) => {
    const { room, self } = joined(ctx, link);
    const transport = await ctx.media.createTransport(room, self, m.direction);
    link.send({ type: 'sfu-transport', requestId: m.requestId, direction: m.direction, transport });
  },
  'sfu-transport-connect': async (ctx, link, m) => {
    const { room, self } = joined(ctx, link);
    await ctx.media.connectTransport(room, self, m.transportId, m.dtlsParameters);
    link.send({ type: 'sfu-done', requestId: m.requestId });
  },
  'sfu-produce': async (ctx, link, m) => {
    const { room, self } = joined(ctx, link);
    const producerId = await ctx.media.produce(
      room,
      self,
      m.transportId,
      m.kind,
      m.rtpParameters,
      m.source ?? 'camera',
    );
    link.send({ type: 'sfu-produced', requestId: m.requestId, producerId });
  },
  'sfu-ready': (ctx, link, m) => {
    const { room, self } = joined(ctx, link);
    return ctx.media.ready(room, self, m.rtpCapabilities);
  },
  'sfu-consumer-resume': (ctx, link, m) => {
    const { room, self } = joined(ctx, link);
    return ctx.media.resumeConsumer(room, self, m.consumerId);
  },
  'sfu-consumer-preference': (ctx, link, m) => {
    const { room, self } = joined(ctx, link);
    return ctx.media.setPreference(room, self, m.consumerId, m.visible, m.width);
  },
  'sfu-producer-pause': (ctx, link, m) => {
    const { room, self } = joined(ctx, link);
    return ctx.media.pauseProducer(room, self, m.producerId, m.paused);
  },
  'sfu-producer-close': async (ctx, link, m) => {
    const { room, self } = joined(ctx, link);
    await ctx.media.closeProducer(room, self, m.producerId);
    link.send({ type: 'sfu-done', requestId: m.requestId });
  },
  'sfu-close': (ctx, link) => {
    const { room, self } = joined(ctx, link);
    ctx.media.closeMember(room, self);
  },
};

export function handleMessage(ctx: AppContext, link: Link, message: ClientMessage): Promise<void> | void {
  return (handlers[message.type] as Handler<typeof message.type>)(ctx, link, message);
}

function joined(ctx: AppContext, link: Link) {
  const place = link.place;
  const room = place.state === 'joined' ? ctx.rooms.get(place.consultationId) : undefined;
  if (place.state !== 'joined' || !room) {
    throw new AppError(
      place.state === 'waiting' ? ErrorCode.NotAdmitted : ErrorCode.NotInRoom,
      'Join the consultation first',
    );
  }
  return { room, self: place.participantId };
}

async function decide(ctx: AppContext, link: Link, participantId: string, decision: 'ADMITTED' | 'DENIED') {
  const staff = requireStaffLink(link);
  const { room } = joined(ctx, link);
  await decideAdmission(ctx, staff, room.consultationId, participantId, decision, link.ip);
}
