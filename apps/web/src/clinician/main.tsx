// The clinician app at /clinician/: sign in, list and start consultations, invite, admit, talk, end.
import { type ConsultationDetail, type GuestRole, GuestRoles } from '@consulta/protocol';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { api, currentStaff } from '../shared/api.ts';
import { setTracksEnabled, useLocalMedia } from '../shared/media.ts';
import { CallControlsBar, ErrorText, MessagePage, Shell, SignInForm, Status, Tiles } from '../shared/ui.tsx';
import { useCall } from '../shared/useCall.ts';
import { useClinicianStore } from './store.ts';

const idFromHash = () => /^#\/consult\/([A-Za-z0-9_-]+)$/.exec(location.hash)?.[1] ?? null;

function App() {
  const { user, sessionChecked, setUser, openId, open } = useClinicianStore();
  useEffect(() => {
    void currentStaff().then(setUser);
    open(idFromHash());
    const onHash = () => open(idFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [setUser, open]);

  if (!sessionChecked) return <MessagePage testId="page-loading" title="Loading…" />;
  if (!user) return <SignInForm heading="Clinician sign-in" onSignedIn={setUser} />;
  const signOut = async () => {
    await api.signOut().catch(() => {});
    setUser(null);
  };
  return (
    <Shell
      title={user.displayName}
      actions={
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      }
    >
      {openId ? <ConsultView id={openId} /> : <Dashboard />}
    </Shell>
  );
}

function Dashboard() {
  const { consultations, setConsultations } = useClinicianStore();
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.consultations().then(
      (r) => setConsultations(r.consultations),
      (err: Error) => setError(err.message),
    );
  }, [setConsultations]);
  const start = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const c = await api.createConsultation({ title: title.trim() || 'Consultation' });
      location.hash = `#/consult/${c.id}`;
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <>
      <form className="card form" onSubmit={start} aria-labelledby="new-heading" data-testid="page-dashboard">
        <h1 id="new-heading">New consultation</h1>
        <div className="form-row">
          <label>
            Title
            <input
              value={title}
              onChange={(e) => setTitle(e.target.value)}
              placeholder="Follow-up"
              maxLength={200}
            />
          </label>
          <button type="submit" className="primary">
            Start consultation
          </button>
        </div>
        <ErrorText error={error} />
      </form>
      <section className="card" aria-labelledby="list-heading">
        <h2 id="list-heading">Your consultations</h2>
        {consultations.length === 0 ? (
          <p className="muted">No consultations yet.</p>
        ) : (
          <ul className="list">
            {consultations.map((c) => (
              <li key={c.id}>
                <span className="grow">{c.title}</span>
                <span className={`badge ${c.status}`}>{c.status.toLowerCase()}</span>
                <span className="muted">{new Date(c.createdAt).toLocaleString()}</span>
                {c.status !== 'ENDED' && (
                  <a href={`#/consult/${c.id}`} aria-label={`Open ${c.title}`}>
                    Open
                  </a>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

function ConsultView({ id }: { id: string }) {
  const [detail, setDetail] = useState<ConsultationDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { cameraId, micId, audioMuted, videoOff, setDevices } = useClinicianStore();
  const callState = useClinicianStore((s) => s.callState);
  const lobby = useClinicianStore((s) => s.lobby);
  const peers = useClinicianStore((s) => s.peers);
  const remote = useClinicianStore((s) => s.remote);
  const plan = useClinicianStore((s) => s.plan);
  const callError = useClinicianStore((s) => s.callError);
  const reload = useCallback(
    () => api.consultation(id).then(setDetail, (err: Error) => setError(err.message)),
    [id],
  );
  useEffect(() => {
    void reload();
  }, [reload]);
  const ended = detail?.status === 'ENDED' || callState === 'ended';
  const media = useLocalMedia(cameraId, micId, !ended);
  const call = useCall(useClinicianStore, detail ? id : null, media.stream, !ended);
  useEffect(() => {
    setTracksEnabled(media.stream, 'audio', !audioMuted);
    setTracksEnabled(media.stream, 'video', !videoOff);
  }, [media.stream, audioMuted, videoOff]);

  if (error) return <ErrorText error={error} />;
  if (!detail) return <Status>Loading consultation…</Status>;
  if (ended)
    return (
      <section className="card" data-testid="page-consult-ended">
        <h1>{detail.title}: consultation ended</h1>
        <p>
          <a href="#/">Back to your consultations</a>
        </p>
      </section>
    );
  const end = async () => {
    if (!confirm('End this consultation for everyone?')) return;
    try {
      await api.endConsultation(id);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const names = new Map(peers.map((p) => [p.id, p.displayName]));
  return (
    <div className="consult-grid" data-testid="page-consult">
      <div className="side">
        <div className="card">
          <h1>{detail.title}</h1>
          <Status>
            {callState === 'joined'
              ? peers.length === 0
                ? 'You are in the room. Nobody else yet.'
                : `In call with ${peers.map((p) => p.displayName).join(', ')}`
              : callState === 'reconnecting'
                ? 'Reconnecting…'
                : 'Connecting…'}
          </Status>
          {plan && (
            <p data-testid="topology">
              Topology: <span className={`badge ${plan.topology}`}>{plan.topology}</span>
              {plan.reasons[0] && <span className="muted"> ({plan.reasons[0].code})</span>}
            </p>
          )}
          <ErrorText error={callError ?? media.error} />
        </div>
        <Tiles local={media.stream} localLabel="You" videoOff={videoOff} remote={remote} names={names} />
        <CallControlsBar
          audioMuted={audioMuted}
          videoOff={videoOff}
          onToggleAudio={() => setDevices({ audioMuted: !audioMuted })}
          onToggleVideo={() => setDevices({ videoOff: !videoOff })}
        >
          <button
            type="button"
            onClick={() => {
              call.leave();
              location.hash = '#/';
            }}
          >
            Leave
          </button>
          <button type="button" className="danger" onClick={end}>
            End consultation
          </button>
        </CallControlsBar>
      </div>
      <div className="side">
        <section className="card" aria-labelledby="lobby-heading" data-testid="waiting-room">
          <h2 id="lobby-heading">Waiting room</h2>
          <div aria-live="polite">
            {lobby.length === 0 ? (
              <p className="muted">Nobody is waiting.</p>
            ) : (
              <ul className="list">
                {lobby.map((p) => (
                  <li key={p.id}>
                    <span className="grow">
                      {p.displayName} <span className="badge">{p.role.toLowerCase()}</span>
                    </span>
                    <span className="row-actions">
                      <button
                        type="button"
                        className="primary"
                        onClick={() => call.admit(p.id)}
                        aria-label={`Admit ${p.displayName}`}
                      >
                        Admit
                      </button>
                      <button
                        type="button"
                        onClick={() => call.deny(p.id)}
                        aria-label={`Deny ${p.displayName}`}
                      >
                        Deny
                      </button>
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </div>
        </section>
        <InviteForm id={id} onInvited={reload} />
        <section className="card" aria-labelledby="invites-heading">
          <h2 id="invites-heading">Invitations</h2>
          {detail.invites.length === 0 ? (
            <p className="muted">None yet.</p>
          ) : (
            <ul className="list">
              {detail.invites.map((i) => (
                <li key={i.id}>
                  <span className="grow">
                    {i.displayName} <span className="muted">{i.email}</span>
                  </span>
                  <span className="badge">{i.revokedAt ? 'revoked' : i.openedAt ? 'opened' : 'sent'}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </div>
  );
}

function InviteForm({ id, onInvited }: { id: string; onInvited(): void }) {
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<GuestRole>('PATIENT');
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api.invite(id, { email, displayName, role });
      setStatus(`Invitation sent to ${email}.`);
      setEmail('');
      setDisplayName('');
      onInvited();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite someone</h2>
      <label>
        Email
        <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <label>
        Name
        <input
          required
          maxLength={100}
          value={displayName}
          onChange={(e) => setDisplayName(e.target.value)}
        />
      </label>
      <label>
        Role
        <select value={role} onChange={(e) => setRole(e.target.value as GuestRole)}>
          {GuestRoles.map((r) => (
            <option key={r} value={r}>
              {r.charAt(0) + r.slice(1).toLowerCase()}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="primary">
        Send invitation
      </button>
      {status && <Status>{status}</Status>}
      <ErrorText error={error} />
    </form>
  );
}

createRoot(document.getElementById('root')!).render(<App />);
