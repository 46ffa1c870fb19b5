// Opening the emailed link: the token comes from the URL fragment (never sent to the server's logs), is removed
// from the address bar at once, and is exchanged for a guest session.
import { ApiError, api } from '../shared/api.ts';
import { type LinkProblem, usePatientStore } from './store.ts';

const KNOWN: ReadonlySet<string> = new Set<LinkProblem | 'NETWORK'>([
  'INVITE_INVALID',
  'INVITE_EXPIRED',
  'INVITE_REVOKED',
  'CONSULTATION_ENDED',
  'RATE_LIMITED',
  'NETWORK',
]);

function problemOf(err: unknown): LinkProblem | 'NETWORK' {
  const code = err instanceof ApiError ? err.code : 'NETWORK';
  return KNOWN.has(code) ? (code as LinkProblem | 'NETWORK') : 'INVITE_INVALID';
}

export async function openFromLink(): Promise<void> {
  const { setPhase, setInvite } = usePatientStore.getState();
  const token = location.hash.replace(/^#/, '');
  // The token must not linger in the address bar or history once used.
  if (token) history.replaceState(null, '', location.pathname);
  if (!token || !/^[A-Za-z0-9_-]{22,128}$/.test(token)) {
    setPhase({ name: 'link-problem', code: 'INVITE_INVALID' });
    return;
  }
  try {
    setInvite(await api.openInvite({ body: { token } }), token);
    setPhase({ name: 'precheck' });
  } catch (err) {
    setPhase({ name: 'link-problem', code: problemOf(err) });
  }
}

/**
 * The server closed the call for good without saying why over the socket (a revoked invite closes it with 4003):
 * opening the link again answers with the typed reason. Still valid means the call went elsewhere (another window).
 */
export async function explainDisconnect(): Promise<void> {
  const { token, setPhase } = usePatientStore.getState();
  if (!token) {
    setPhase({ name: 'disconnected' });
    return;
  }
  try {
    await api.openInvite({ body: { token } });
    setPhase({ name: 'disconnected' });
  } catch (err) {
    const code = problemOf(err);
    setPhase(
      code === 'NETWORK' || code === 'RATE_LIMITED'
        ? { name: 'disconnected' }
        : { name: 'link-problem', code },
    );
  }
}
