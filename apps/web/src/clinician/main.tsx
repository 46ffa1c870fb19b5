// The clinician app at /clinician/: sign in, list and start consultations, invite, admit, talk, end.
import { useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { api, currentStaff } from '../shared/api.ts';
import { MessagePage, Shell, SignInForm } from '../shared/ui.tsx';
import { ConsultView } from './ConsultView.tsx';
import { Dashboard } from './Dashboard.tsx';
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

createRoot(document.getElementById('root')!).render(<App />);
