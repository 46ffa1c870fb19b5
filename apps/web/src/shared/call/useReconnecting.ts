// Who is reconnecting: participants whose signaling connection the server says is gone (`connected: false`) and
// has stayed gone a moment. Their place is kept for the grace period, so their tile stays, with a word for why
// their picture froze. A blip (a server node restarting resumes in under a second) is not shown: a clinician
// should not see the call's plumbing move.
import type { Peer } from '@consulta/protocol';
import { useEffect, useMemo, useState } from 'react';

/** How long a participant must be gone before their tile says "Reconnecting". */
export const RECONNECTING_SHOWN_AFTER_MS = 1500;

export function useReconnecting(peers: readonly Peer[]): ReadonlySet<string> {
  // A string key: a new peers array with the same people away restarts nothing.
  const away = useMemo(
    () =>
      peers
        .filter((p) => !p.connected)
        .map((p) => p.id)
        .sort()
        .join(','),
    [peers],
  );
  const [shown, setShown] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => {
    if (away === '') {
      setShown(new Set());
      return;
    }
    const timer = setTimeout(() => setShown(new Set(away.split(','))), RECONNECTING_SHOWN_AFTER_MS);
    return () => clearTimeout(timer);
  }, [away]);
  // Someone back before the timer fired is not shown as away meanwhile.
  return useMemo(() => {
    const now = new Set(away.split(','));
    return new Set([...shown].filter((id) => now.has(id)));
  }, [shown, away]);
}
