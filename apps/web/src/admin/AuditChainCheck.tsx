// Checks the audit trail's hash chains on demand and says where the first broken link is. On demand, not on the
// 5 s refresh: a check walks every event and is itself audited.
import type { AuditBreakReason, AuditVerification } from '@consulta/protocol';
import { useState } from 'react';
import { api } from '../shared/api.ts';
import { ErrorText } from '../shared/ui.tsx';

const REASON_WORDS: Record<AuditBreakReason, string> = {
  'hash-mismatch': 'this event was changed after it was written',
  'link-mismatch': 'this event does not follow the one before it (replaced or inserted)',
  'seq-gap': 'an event is missing here (deleted)',
  'head-mismatch': 'events are missing from the end of this chain (deleted), or its head was changed',
  'head-missing': 'this chain has lost its head record',
};

export function AuditChainCheck() {
  const [report, setReport] = useState<AuditVerification | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const check = async () => {
    setBusy(true);
    try {
      setReport(await api.verifyAudit());
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const b = report?.firstBroken;
  return (
    <section className="card" aria-labelledby="audit-chain-heading" data-testid="admin-audit-chain">
      <div className="card-head">
        <h2 id="audit-chain-heading">Audit trail integrity</h2>
        <button type="button" onClick={() => void check()} disabled={busy}>
          {busy ? 'Checking…' : 'Verify audit trail'}
        </button>
      </div>
      <ErrorText error={error} />
      {report && !b && (
        <p data-testid="audit-chain-ok">
          Intact: {report.events} events in {report.chains} chains verify
          {report.unchained > 0
            ? ` (${report.unchained} older events predate the chain and cannot be checked)`
            : ''}
          . Checked {new Date(report.checkedAt).toLocaleString()}. Heads digest{' '}
          <code className="hash">{report.headsDigest}</code>
        </p>
      )}
      {b && (
        <div role="alert" data-testid="audit-chain-broken">
          <p>
            <strong>Broken:</strong> chain <code>{b.chainKey}</code> at position {b.seq}:{' '}
            {REASON_WORDS[b.reason]}.
          </p>
          <p>
            {b.eventId ? (
              <>
                Event <code>{b.eventId}</code>
                {b.at ? ` written ${new Date(b.at).toLocaleString()}` : ''}.
              </>
            ) : b.at ? (
              `After the event written ${new Date(b.at).toLocaleString()}.`
            ) : null}{' '}
            {report.broken.length > 1 ? `${report.broken.length} chains are broken in all.` : ''}
          </p>
        </div>
      )}
    </section>
  );
}
