// The clinician app at /clinician/: sign in, list and start consultations, invite, admit, talk, end.
import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { AccountPage } from '../shared/account/AccountPage.tsx';
import { StaffGate } from '../shared/account/StaffGate.tsx';
import { api } from '../shared/api.ts';
import { Shell } from '../shared/ui.tsx';
import { ConsultView } from './ConsultView.tsx';
import { Dashboard } from './Dashboard.tsx';
import { useClinicianStore } from './store.ts';

const idFromHash = () => /^#\/consult\/([A-Za-z0-9_-]+)$/.exec(location.hash)?.[1] ?? null;

function App() {
  const { user, sessionChecked, setUser, openId, open } = useClinicianStore();
  const [showAccount, setShowAccount] = useState(false);
  useEffect(() => {
    open(idFromHash());
    const onHash = () => open(idFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [open]);
  const signOut = async () => {
    await api.signOut().catch(() => {});
    setShowAccount(false);
    setUser(null);
  };
  return (
    <StaffGate
      app="clinician"
      heading="Clinician sign-in"
      user={user}
      sessionChecked={sessionChecked}
      setUser={setUser}
    >
      {(signedIn) => (
        <Shell
          title={signedIn.displayName}
          actions={
            <>
              <button type="button" aria-pressed={showAccount} onClick={() => setShowAccount(!showAccount)}>
                My account
              </button>
              <button type="button" onClick={signOut}>
                Sign out
              </button>
            </>
          }
        >
          {showAccount ? <AccountPage /> : openId ? <ConsultView id={openId} /> : <Dashboard />}
        </Shell>
      )}
    </StaffGate>
  );
}

createRoot(document.getElementById('root')!).render(<App />);
