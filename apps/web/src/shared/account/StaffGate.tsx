// What both staff apps show before their own pages: the set-password page when opened from an invitation or reset
// link, "Loading…" while the session is checked, the sign-in form without one; then the app, for the signed-in user.
import type { StaffApp, StaffUser } from '@consulta/protocol';
import { type ReactNode, useEffect, useState } from 'react';
import { currentStaff } from '../api.ts';
import { MessagePage } from '../ui.tsx';
import { SetPasswordPage, setPasswordToken } from './SetPasswordPage.tsx';
import { SignInForm } from './SignInForm.tsx';

export function StaffGate(props: {
  app: StaffApp;
  heading: string;
  user: StaffUser | null;
  sessionChecked: boolean;
  setUser(user: StaffUser | null): void;
  children(user: StaffUser): ReactNode;
}) {
  const { setUser } = props;
  const [linkToken, setLinkToken] = useState(setPasswordToken);
  useEffect(() => {
    void currentStaff().then(setUser);
  }, [setUser]);
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
  if (!props.sessionChecked) return <MessagePage testId="page-loading" title="Loading…" />;
  if (!props.user) return <SignInForm heading={props.heading} app={props.app} onSignedIn={setUser} />;
  return <>{props.children(props.user)}</>;
}
