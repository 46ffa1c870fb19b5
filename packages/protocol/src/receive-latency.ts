import { type Static, Type } from 'typebox';
import { Id } from './domain.ts';
import { MediaKind } from './sfu.ts';

// A client's measured receive latency per incoming stream, from what getStats gives in a real call (no probe):
// the jitter buffer's average delay, half the round-trip time of the connection that carries it, and (video)
// the average decode time. The server keeps the latest per member for the admin's live view, so a route that has
// grown slow shows in a real call. Figures in ms, rounded; a value getStats does not give yet is left out.

/** Milliseconds, whole, bounded so a buggy client cannot store nonsense. */
const Ms = Type.Integer({ minimum: 0, maximum: 60_000 });

export const StreamLatency = Type.Object(
  {
    /** The sender whose media this is (in a tree, the stream's root, not the relaying parent). */
    streamId: Id,
    kind: MediaKind,
    /** The peer (or 'sfu') the media arrives from: the sender, a relaying parent, or the SFU. */
    via: Id,
    /** jitterBufferDelay / jitterBufferEmittedCount over the last report interval. */
    jitterBufferMs: Type.Optional(Ms),
    /** Half the connection's round-trip time (candidate pair currentRoundTripTime). */
    networkMs: Type.Optional(Ms),
    /** Video: totalDecodeTime / framesDecoded over the last interval. */
    decodeMs: Type.Optional(Ms),
    /** The sum of the parts present: the receive side's share of glass-to-glass, without capture and encode. */
    totalMs: Ms,
  },
  { additionalProperties: false },
);
export type StreamLatency = Static<typeof StreamLatency>;

/** At most this many streams per report (a tree room of 6 has 5 senders x 2 kinds; with make-before-break, more). */
export const MAX_LATENCY_STREAMS = 32;

export const ReceiveLatencyReport = Type.Array(StreamLatency, { maxItems: MAX_LATENCY_STREAMS });
export type ReceiveLatencyReport = Static<typeof ReceiveLatencyReport>;
