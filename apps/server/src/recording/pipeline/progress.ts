/**
 * Reads FFmpeg's `-progress` output: blocks of `key=value` lines, each closed by `progress=continue|end`. Feed it
 * chunks as they come; it calls `onBlock` once per complete block.
 */
export function progressReader(onBlock: (block: Record<string, string>) => void): (chunk: string) => void {
  let pending = '';
  let block: Record<string, string> = {};
  return (chunk) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const key = line.slice(0, eq).trim();
      block[key] = line.slice(eq + 1).trim();
      if (key === 'progress') {
        onBlock(block);
        block = {};
      }
    }
  };
}

/**
 * Whether a progress block shows media in the output: a video frame muxed, or (for audio, which has no frame
 * counter) output time past the first packet.
 */
export function showsMedia(block: Record<string, string>, kind: 'audio' | 'video'): boolean {
  if (kind === 'video') return Number(block.frame ?? 0) > 0;
  return Number(block.out_time_us ?? 0) > 0;
}
