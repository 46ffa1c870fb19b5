// The admin app at /admin/: live consultations with recording controls, all consultations, recordings, audit log.
import type { StaffUser } from '@consulta/protocol';
import { useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { api, currentStaff } from '../shared/api.ts';
import { ErrorText, MessagePage, Shell, SignInForm } from '../shared/ui.tsx';
import { AuditLog } from './AuditLog.tsx';
import { ConsultationsTable } from './ConsultationsTable.tsx';
import { RecordingControls } from './RecordingControls.tsx';
import { RecordingsList } from './RecordingsList.tsx';
import { useAdminStore } from './store.ts';

function App() {
  const user = useAdminStore((s) => s.user);
  const sessionChecked = useAdminStore((s) => s.sessionChecked);
  const setUser = useAdminStore((s) => s.setUser);
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
  const consultations = useAdminStore((s) => s.consultations);
  const error = useAdminStore((s) => s.error);
  const refresh = useAdminStore((s) => s.refresh);
  const loadRecordings = useAdminStore((s) => s.loadRecordings);
  const setUser = useAdminStore((s) => s.setUser);
  const [live, setLive] = useState(true);
  const load = useCallback(() => void refresh(), [refresh]);
  useEffect(() => {
    load();
    if (!live) return;
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, [load, live]);
  useEffect(() => {
    void loadRecordings();
  }, [loadRecordings]);
  const inCall = consultations.filter((c) => c.status === 'ACTIVE');
  return (
    <Shell
      title={`Administration · ${user.displayName}`}
      actions={
        <button type="button" onClick={() => void api.signOut().finally(() => setUser(null))}>
          Sign out
        </button>
      }
    >
      <div className="controls toolbar-start">
        <button type="button" onClick={load}>
          Refresh
        </button>
        <label className="inline-check">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} />
          Refresh every 5 s
        </label>
      </div>
      <ErrorText error={error} />
      <section aria-labelledby="in-call-heading" className="stack" data-testid="admin-live">
        <h2 id="in-call-heading">In a call now ({inCall.length})</h2>
        {inCall.length === 0 ? (
          <p className="muted">No consultation is in a call.</p>
        ) : (
          <div className="recording-cards">
            {inCall.map((c) => (
              <RecordingControls key={c.id} consultation={c} />
            ))}
          </div>
        )}
      </section>
      <ConsultationsTable />
      <RecordingsList />
      <AuditLog />
    </Shell>
  );
}

createRoot(document.getElementById('root')!).render(<App />);
