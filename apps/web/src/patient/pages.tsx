// The patient's full-page outcomes: each says what happened and what to do next, in plain words.
import type { ReactNode } from 'react';
import { MessagePage } from '../shared/ui.tsx';
import type { LinkProblem } from './store.ts';

interface Outcome {
  title: string;
  what: string;
  next: string;
}

const LINK_PROBLEMS: Record<LinkProblem | 'NETWORK', Outcome> = {
  INVITE_INVALID: {
    title: 'This link does not work',
    what: 'The link is incomplete or is not a Consulta invitation.',
    next: 'Open the link again straight from your invitation email (if your email program split it over two lines, copy all of it). If it still does not work, ask your clinic to send you a new invitation.',
  },
  INVITE_EXPIRED: {
    title: 'This link has expired',
    what: 'Invitation links only work for a limited time, and this one has run out.',
    next: 'Ask your clinic to send you a new invitation. The new email will have a fresh link.',
  },
  INVITE_REVOKED: {
    title: 'This invitation was withdrawn',
    what: 'Your clinic cancelled this invitation, so its link no longer works.',
    next: 'If you still need this consultation, or think this is a mistake, contact your clinic: they can invite you again.',
  },
  CONSULTATION_ENDED: {
    title: 'This consultation has ended',
    what: 'The consultation this link was for is over, so the link no longer works.',
    next: 'Nothing more to do. If you need another appointment, contact your clinic.',
  },
  RATE_LIMITED: {
    title: 'Too many attempts',
    what: 'This link was tried too many times in a short while.',
    next: 'Wait a minute, then open the link from your invitation email again.',
  },
  NETWORK: {
    title: 'Cannot reach the service',
    what: 'Your device could not connect to the consultation service.',
    next: 'Check your internet connection, then open the link from your invitation email again.',
  },
};

function OutcomePage(props: {
  testId: string;
  outcome: Outcome;
  tone?: 'info' | 'error';
  children?: ReactNode;
}) {
  return (
    <MessagePage testId={props.testId} title={props.outcome.title} tone={props.tone ?? 'error'}>
      <p>{props.outcome.what}</p>
      <h2>What you can do</h2>
      <p>{props.outcome.next}</p>
      {props.children}
    </MessagePage>
  );
}

export function LinkProblemPage({ code }: { code: LinkProblem | 'NETWORK' }) {
  return (
    <OutcomePage testId={`page-${code.toLowerCase().replace(/_/g, '-')}`} outcome={LINK_PROBLEMS[code]} />
  );
}

export function DeniedPage() {
  return (
    <OutcomePage
      testId="page-denied"
      outcome={{
        title: 'You were not admitted',
        what: 'The clinician did not let you into this consultation from the waiting room.',
        next: 'If you think this is a mistake, contact your clinic. You can close this page.',
      }}
    />
  );
}

export function EndedPage({ clinicianName }: { clinicianName: string }) {
  return (
    <OutcomePage
      testId="page-ended"
      tone="info"
      outcome={{
        title: 'The consultation has ended',
        what: `Thank you. ${clinicianName} has ended the consultation.`,
        next: 'You can close this page. The link in your email no longer works.',
      }}
    />
  );
}

export function DisconnectedPage({ onRejoin }: { onRejoin(): void }) {
  return (
    <OutcomePage
      testId="page-disconnected"
      outcome={{
        title: 'You are no longer connected',
        what: 'The consultation was opened in another window or on another device, which took over from this one.',
        next: 'Carry on in the other window, or rejoin here (the other window will then be disconnected).',
      }}
    >
      <button type="button" className="primary" onClick={onRejoin}>
        Rejoin here
      </button>
    </OutcomePage>
  );
}

export function LeftPage({ onRejoin }: { onRejoin(): void }) {
  return (
    <MessagePage testId="page-left" title="You left the consultation">
      <p>You can close this page, or go back in while the consultation is still on.</p>
      <button type="button" className="primary" onClick={onRejoin}>
        Rejoin
      </button>
    </MessagePage>
  );
}
