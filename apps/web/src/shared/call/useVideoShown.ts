// Whether any remote video is arriving right now: a remote track is "muted" while no media reaches it, so this is
// what the screen shows, not what a plan intends.
import { useEffect, useState } from 'react';
import type { RemoteTile } from '../store.ts';

export function useVideoShown(remote: readonly RemoteTile[]): boolean {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    const tracks = remote.flatMap((r) => r.stream.getVideoTracks());
    const update = () => setShown(tracks.some((t) => t.readyState === 'live' && !t.muted));
    update();
    for (const t of tracks) {
      t.addEventListener('mute', update);
      t.addEventListener('unmute', update);
      t.addEventListener('ended', update);
    }
    return () => {
      for (const t of tracks) {
        t.removeEventListener('mute', update);
        t.removeEventListener('unmute', update);
        t.removeEventListener('ended', update);
      }
    };
  }, [remote]);
  return shown;
}
