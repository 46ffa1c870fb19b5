// The plan's quality applied to what this client sends over peer connections (p2p and tree links): a video
// bitrate cap of the quality's per-stream budget minus its audio, and no video at all on an audio-only plan.
// Without it the browser sends what its congestion controller allows, so a relay planned for n copies at 400
// kbit/s may push 1.2 Mbit/s each and the policy's arithmetic no longer describes the links. (The SFU path
// sends simulcast and the server picks the layer per receiver.)
import { defaultPolicyConfig, type Quality } from '@consulta/routing-policy';

export interface VideoLimit {
  active: boolean;
  /** bit/s; undefined leaves the browser's own cap. */
  maxBitrate?: number;
}

export function videoLimitOf(quality: string): VideoLimit {
  const table = defaultPolicyConfig.qualityKbps;
  if (quality === 'audio') return { active: false };
  const kbps = table[quality as Quality];
  if (kbps === undefined) return { active: true };
  return { active: true, maxBitrate: Math.max(30, kbps - table.audio) * 1000 };
}

/** Applies `limit` to every video sender of `pc` that has encodings yet (others get it on the next call). */
export async function applyVideoLimit(pc: RTCPeerConnection, limit: VideoLimit): Promise<void> {
  if (pc.signalingState === 'closed') return;
  await Promise.all(
    pc.getTransceivers().map(async (t) => {
      if (t.receiver.track.kind !== 'video' || t.direction === 'recvonly' || t.direction === 'inactive')
        return;
      const params = t.sender.getParameters();
      if (!params.encodings?.length) return;
      let changed = false;
      for (const e of params.encodings) {
        if (e.active !== limit.active) {
          e.active = limit.active;
          changed = true;
        }
        if (e.maxBitrate !== limit.maxBitrate) {
          if (limit.maxBitrate === undefined) delete e.maxBitrate;
          else e.maxBitrate = limit.maxBitrate;
          changed = true;
        }
      }
      if (changed) await t.sender.setParameters(params).catch(() => {});
    }),
  );
}

/**
 * The most video `pc` may send under the plan's caps (kbit/s): the caps of its senders' active encodings summed.
 * Undefined when it sends no video or some active encoding has no cap (nothing to judge its controller against).
 */
export function videoCapKbps(pc: RTCPeerConnection): number | undefined {
  if (pc.signalingState === 'closed') return undefined;
  let total = 0;
  for (const t of pc.getTransceivers()) {
    if (t.sender.track?.kind !== 'video' || t.direction === 'recvonly' || t.direction === 'inactive')
      continue;
    for (const e of t.sender.getParameters().encodings ?? []) {
      if (e.active === false) continue;
      if (e.maxBitrate === undefined) return undefined;
      total += e.maxBitrate / 1000;
    }
  }
  return total > 0 ? total : undefined;
}
