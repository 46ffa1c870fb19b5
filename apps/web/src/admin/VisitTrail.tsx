// One visit's trail for an administrator: the media-path timeline (who connected to whom, by which route, when)
// and the visit export. Loaded on demand: reading a visit's media paths is audited.
import { apiUrl, type MediaPathKind, type MediaPathSpan, Routes } from '@consulta/protocol';
import { useState } from 'react';
import { api } from '../shared/api.ts';
import { ErrorText } from '../shared/ui.tsx';
import { useAdminStore } from './store.ts';

const PATH_WORDS: Record<MediaPathKind, string> = {
  'direct-host': 'direct (same network)',
  'direct-srflx': 'direct (across the internet)',
  turn: 'through our TURN relay',
  unknown: 'unknown: the device never reported its route',
};

const PATH_COLOURS: Record<MediaPathKind, string> = {
  'direct-host': '#2e7d32',
  'direct-srflx': '#1565c0',
  turn: '#ef6c00',
  unknown: '#9e9e9e',
};

function describe(s: MediaPathSpan, name: (id: string | null) => string): string {
  const route = PATH_WORDS[s.path];
  if (s.link === 'mesh') return `with ${name(s.peerId)}, ${route}`;
  if (s.link === 'recv')
    return `receives ${name(s.streamOwnerId)}'s stream from ${name(s.peerId)}${s.relayedById ? ' (relaying it)' : ''}, ${route}`;
  if (s.link === 'send')
    return `sends ${s.streamOwnerId === s.participantId ? 'own' : `${name(s.streamOwnerId)}'s`} stream to ${name(s.peerId)}, ${route}`;
  return `${s.link === 'sfu-send' ? 'sends to' : 'receives from'} the SFU at ${s.sfuNode ?? '?'}, ${route}`;
}

export function VisitTrail() {
  const consultations = useAdminStore((s) => s.consultations);
  const [selected, setSelected] = useState('');
  const [spans, setSpans] = useState<MediaPathSpan[] | null>(null);
  const [names, setNames] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const load = async (consultationId: string) => {
    setSelected(consultationId);
    setSpans(null);
    if (!consultationId) return;
    try {
      const [paths, detail] = await Promise.all([
        api.listMediaPaths({ params: { consultationId } }),
        api.getConsultation({ params: { consultationId } }),
      ]);
      setNames(new Map(detail.participants.map((p) => [p.id, p.displayName])));
      setSpans(paths.spans);
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const name = (id: string | null) => (id ? (names.get(id) ?? id.slice(0, 8)) : '?');
  const times = (spans ?? []).flatMap((s) => [
    Date.parse(s.startedAt),
    Date.parse(s.endedAt ?? new Date().toISOString()),
  ]);
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1);
  const people = [...new Set((spans ?? []).map((s) => s.participantId))];
  return (
    <section className="card" aria-labelledby="visit-trail-heading" data-testid="admin-visit-trail">
      <div className="card-head">
        <h2 id="visit-trail-heading">Visit trail</h2>
        <label>
          Consultation{' '}
          <select
            value={selected}
            onChange={(e) => void load(e.target.value)}
            data-testid="visit-trail-select"
          >
            <option value="">choose…</option>
            {consultations.map((c) => (
              <option key={c.id} value={c.id}>
                {c.title} · {new Date(c.createdAt).toLocaleString()}
              </option>
            ))}
          </select>
        </label>
        {selected && (
          <>
            <a href={apiUrl(Routes.exportVisit, { params: { consultationId: selected } })} download>
              Download visit export (JSON)
            </a>
            {/* The same document as one HTML page, opened in a new tab to print or save as PDF. */}
            <a
              href={apiUrl(Routes.printVisit, { params: { consultationId: selected } })}
              target="_blank"
              rel="noopener"
              data-testid="visit-print"
            >
              Printable visit record
            </a>
          </>
        )}
      </div>
      <ErrorText error={error} />
      {spans && spans.length === 0 && <p className="muted">No media paths recorded for this consultation.</p>}
      {spans && spans.length > 0 && (
        <div className="stack" data-testid="media-path-timeline">
          <p className="muted">
            {new Date(t0).toLocaleString()} – {new Date(t1).toLocaleTimeString()}.{' '}
            {(Object.keys(PATH_WORDS) as MediaPathKind[]).map((k) => (
              <span key={k}>
                <span aria-hidden="true" style={{ color: PATH_COLOURS[k] }}>
                  ■
                </span>{' '}
                {PATH_WORDS[k]}{' '}
              </span>
            ))}
          </p>
          {people.map((p) => (
            <div key={p}>
              <h3>{name(p)}</h3>
              <ul>
                {spans
                  .filter((s) => s.participantId === p)
                  .map((s) => {
                    const start = Date.parse(s.startedAt);
                    const end = Date.parse(s.endedAt ?? new Date().toISOString());
                    return (
                      <li key={s.id} data-testid="media-path-span" data-path={s.path}>
                        <div
                          aria-hidden="true"
                          style={{
                            marginLeft: `${((start - t0) / (t1 - t0)) * 100}%`,
                            width: `${Math.max(((end - start) / (t1 - t0)) * 100, 0.5)}%`,
                            height: '0.6rem',
                            background: PATH_COLOURS[s.path],
                          }}
                        />
                        {new Date(start).toLocaleTimeString()}–
                        {s.endedAt ? new Date(end).toLocaleTimeString() : 'now'} ({s.topology}):{' '}
                        {describe(s, name)}
                        {s.pair?.relayAddress ? ` via ${s.pair.relayAddress}` : ''}
                        {s.pair ? ` [${s.pair.localType}/${s.pair.remoteType}, ${s.pair.protocol}]` : ''}
                      </li>
                    );
                  })}
              </ul>
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
