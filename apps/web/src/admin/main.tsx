// The admin app at /admin/: live consultations with recording controls, all consultations, recordings, audit log,
// staff management and the admin's own account (password, two-factor sign-in).
import type { StaffUser } from '@consulta/protocol';
import { useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { AccountPage } from '../shared/account/AccountPage.tsx';
import { StaffGate } from '../shared/account/StaffGate.tsx';
import { api } from '../shared/api.ts';
import { ErrorText, MessagePage, Shell } from '../shared/ui.tsx';
import { AuditChainCheck } from './AuditChainCheck.tsx';
import { AuditLog } from './AuditLog.tsx';
import { ConsultationsTable } from './ConsultationsTable.tsx';
import { LiveCard } from './LiveCard.tsx';
import { RecordingControls } from './RecordingControls.tsx';
import { RecordingRetention } from './RecordingRetention.tsx';
import { RecordingsList } from './RecordingsList.tsx';
import { StaffManagement } from './StaffManagement.tsx';
import { useAdminStore } from './store.ts';
import { VisitTrail } from './VisitTrail.tsx';

function App() {
  const user = useAdminStore((s) => s.user);
  const sessionChecked = useAdminStore((s) => s.sessionChecked);
  const setUser = useAdminStore((s) => s.setUser);
  return (
    <StaffGate
      app="admin"
      heading="Administrator sign-in"
      user={user}
      sessionChecked={sessionChecked}
      setUser={setUser}
    >
      {(signedIn) =>
        signedIn.role === 'ADMIN' ? (
          <Dashboard user={signedIn} />
        ) : (
          <MessagePage testId="page-forbidden" title="Administrators only" tone="error">
            <p>You are signed in as {signedIn.displayName}, who is not an administrator.</p>
          </MessagePage>
        )
      }
    </StaffGate>
  );
}

function Dashboard({ user }: { user: StaffUser }) {
  const consultations = useAdminStore((s) => s.consultations);
  const error = useAdminStore((s) => s.error);
  const refresh = useAdminStore((s) => s.refresh);
  const loadLive = useAdminStore((s) => s.loadLive);
  const snapshot = useAdminStore((s) => s.live);
  const liveError = useAdminStore((s) => s.liveError);
  const skewMs = useAdminStore((s) => s.liveClockSkewMs);
  const loadRecordings = useAdminStore((s) => s.loadRecordings);
  const setUser = useAdminStore((s) => s.setUser);
  const [live, setLive] = useState(true);
  const [view, setView] = useState<'overview' | 'staff' | 'account'>('overview');
  // The audit log follows along only on its newest page (an older page stays put while it is read).
  const load = useCallback(() => {
    const { auditCursor, loadAudit } = useAdminStore.getState();
    void Promise.all([refresh(), loadLive(), auditCursor === undefined ? loadAudit() : null]);
  }, [refresh, loadLive]);
  useEffect(() => {
    load();
    if (!live) return;
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, [load, live]);
  useEffect(() => {
    void loadRecordings();
  }, [loadRecordings]);
  // Who is in a room now comes from the server's rooms, not the consultation's stored status (which stays ACTIVE
  // when everyone just closed their tab).
  const inCall = snapshot?.consultations ?? [];
  return (
    <Shell
      title={`Administration · ${user.displayName}`}
      actions={
        <>
          <nav className="tabs" aria-label="Sections">
            {(['overview', 'staff', 'account'] as const).map((v) => (
              <button key={v} type="button" aria-pressed={view === v} onClick={() => setView(v)}>
                {v === 'overview' ? 'Overview' : v === 'staff' ? 'Staff' : 'My account'}
              </button>
            ))}
          </nav>
          <button type="button" onClick={() => void api.signOut().finally(() => setUser(null))}>
            Sign out
          </button>
        </>
      }
    >
      {view === 'staff' ? <StaffManagement selfId={user.id} /> : null}
      {view === 'account' ? <AccountPage /> : null}
      {view === 'overview' ? (
        <>
          <div className="controls toolbar-start">
            <button type="button" onClick={load}>
              Refresh
            </button>
            <label className="inline-check">
              <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} />
              Refresh every 5 s
            </label>
          </div>
          <ErrorText error={error ?? liveError} />
          <section aria-labelledby="in-call-heading" className="stack" data-testid="admin-live">
            <h2 id="in-call-heading">In a call now ({inCall.length})</h2>
            {inCall.length === 0 ? (
              <p className="muted">No consultation is in a call.</p>
            ) : (
              <div className="recording-cards">
                {inCall.map((l) => {
                  const consultation = consultations.find((c) => c.id === l.consultationId);
                  return (
                    <div key={l.consultationId} className="stack">
                      <LiveCard
                        live={l}
                        skewMs={skewMs}
                        latencyBudgetMs={snapshot?.latencyBudgetMs ?? null}
                      />
                      {consultation && <RecordingControls consultation={consultation} />}
                    </div>
                  );
                })}
              </div>
            )}
          </section>
          <ConsultationsTable />
          <RecordingsList />
          <RecordingRetention />
          <AuditLog />
          <AuditChainCheck />
          <VisitTrail />
        </>
      ) : null}
    </Shell>
  );
}

createRoot(document.getElementById('root')!).render(<App />);
