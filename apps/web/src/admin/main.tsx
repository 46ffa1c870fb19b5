// The admin app at /admin/: live consultations and the audit log.
import type { AuditEvent, Consultation, StaffUser } from '@consulta/protocol';
import { useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { create } from 'zustand';
import { api, currentStaff } from '../shared/api.ts';
import { createSessionSlice, type SessionSlice } from '../shared/store.ts';
import { ErrorText, MessagePage, Shell, SignInForm } from '../shared/ui.tsx';

interface AdminData {
  consultations: Consultation[];
  events: AuditEvent[];
  error: string | null;
  refresh(): Promise<void>;
}

const useAdminStore = create<SessionSlice & AdminData>()((...a) => ({
  ...createSessionSlice(...a),
  consultations: [],
  events: [],
  error: null,
  async refresh() {
    try {
      const [c, e] = await Promise.all([api.consultations(), api.audit({ limit: 100 })]);
      a[0]({ consultations: c.consultations, events: e.events, error: null });
    } catch (err) {
      a[0]({ error: (err as Error).message });
    }
  },
}));

function App() {
  const { user, sessionChecked, setUser } = useAdminStore();
  useEffect(() => {
    void currentStaff().then(setUser);
  }, [setUser]);
  if (!sessionChecked) return <MessagePage testId="page-loading" title="Loading…" />;
  if (!user) return <SignInForm heading="Administrator sign-in" onSignedIn={setUser} />;
  if (user.role !== 'ADMIN')
    return (
      <MessagePage testId="page-forbidden" title="Administrators only" tone="error">
        <p>You are signed in as {user.displayName}, who is not an administrator.</p>
      </MessagePage>
    );
  return <Dashboard user={user} />;
}

function Dashboard({ user }: { user: StaffUser }) {
  const { consultations, events, error, refresh, setUser } = useAdminStore();
  const [live, setLive] = useState(true);
  const load = useCallback(() => void refresh(), [refresh]);
  useEffect(() => {
    load();
    if (!live) return;
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, [load, live]);
  const active = consultations.filter((c) => c.status !== 'ENDED');
  return (
    <Shell
      title={`Administration · ${user.displayName}`}
      actions={
        <button type="button" onClick={() => void api.signOut().finally(() => setUser(null))}>
          Sign out
        </button>
      }
    >
      <div className="controls" style={{ justifyContent: 'flex-start' }}>
        <button type="button" onClick={load}>
          Refresh
        </button>
        <label style={{ flexDirection: 'row', alignItems: 'center' }}>
          <input
            type="checkbox"
            checked={live}
            onChange={(e) => setLive(e.target.checked)}
            style={{ width: 'auto' }}
          />
          Refresh every 5 s
        </label>
      </div>
      <ErrorText error={error} />
      <section className="card" aria-labelledby="live-heading" data-testid="admin-consultations">
        <h1 id="live-heading">Consultations ({active.length} live)</h1>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Clinician</th>
                <th scope="col">Status</th>
                <th scope="col">Topology</th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {consultations.map((c) => (
                <tr key={c.id}>
                  <td>{c.title}</td>
                  <td>{c.clinician.displayName}</td>
                  <td>
                    <span className={`badge ${c.status}`}>{c.status.toLowerCase()}</span>
                  </td>
                  <td>{c.topology ?? '–'}</td>
                  <td>{c.startedAt ? new Date(c.startedAt).toLocaleTimeString() : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card" aria-labelledby="audit-heading" data-testid="admin-audit">
        <h2 id="audit-heading">Audit log</h2>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Action</th>
                <th scope="col">Actor</th>
                <th scope="col">Target</th>
                <th scope="col">Outcome</th>
                <th scope="col">IP</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id}>
                  <td>{new Date(e.at).toLocaleString()}</td>
                  <td>{e.action}</td>
                  <td>
                    {e.actorType}
                    {e.actorId ? ` ${e.actorId.slice(0, 8)}` : ''}
                  </td>
                  <td>{e.targetType ? `${e.targetType} ${e.targetId?.slice(0, 8) ?? ''}` : '–'}</td>
                  <td>{e.outcome}</td>
                  <td>{e.ip ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </Shell>
  );
}

createRoot(document.getElementById('root')!).render(<App />);
