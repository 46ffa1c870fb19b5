// The clinician app at /clinician/: sign in, list and start consultations, invite, admit, talk, end.
import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { AccountPage } from '../shared/account/AccountPage.tsx';
import { SetPasswordPage, setPasswordToken } from '../shared/account/SetPasswordPage.tsx';
import { api, currentStaff } from '../shared/api.ts';
import { MessagePage, Shell, SignInForm } from '../shared/ui.tsx';
import { ConsultView } from './ConsultView.tsx';
import { Dashboard } from './Dashboard.tsx';
import { useClinicianStore } from './store.ts';

const idFromHash = () => /^#\/consult\/([A-Za-z0-9_-]+)$/.exec(location.hash)?.[1] ?? null;

function App() {
  const { user, sessionChecked, setUser, openId, open } = useClinicianStore();
  const [linkToken, setLinkToken] = useState(setPasswordToken);
  const [showAccount, setShowAccount] = useState(false);
  useEffect(() => {
    void currentStaff().then(setUser);
    open(idFromHash());
    const onHash = () => open(idFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [setUser, open]);

  if (linkToken)
    return (
      <SetPasswordPage
        token={linkToken}
        onDone={() => {
          setLinkToken(null);
          setUser(null);
        }}
      />
    );
  if (!sessionChecked) return <MessagePage testId="page-loading" title="Loading…" />;
  if (!user) return <SignInForm heading="Clinician sign-in" app="clinician" onSignedIn={setUser} />;
  const signOut = async () => {
    await api.signOut().catch(() => {});
    setShowAccount(false);
    setUser(null);
  };
  return (
    <Shell
      title={user.displayName}
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
  );
}

createRoot(document.getElementById('root')!).render(<App />);
