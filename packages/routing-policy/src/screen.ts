import type { PolicyConfig, Quality } from './types.ts';

/**
 * What one shared screen costs each link that carries it, kbit/s, at quality `q`: a second video of its sender
 * (docs/screen-share.md). On peer connections the engine caps every video sender, the screen's too, at the
 * level's video bitrate (the level minus its audio) and sends no video at all on `audio`; that cap is the figure.
 * (The SFU sends the screen as one layer of up to 1.5 Mbit/s whatever the level: see docs/routing.md.)
 */
export function screenKbpsAt(q: Quality, config: PolicyConfig): number {
  if (q === 'audio') return 0;
  return Math.max(0, config.qualityKbps[q] - config.qualityKbps.audio);
}
