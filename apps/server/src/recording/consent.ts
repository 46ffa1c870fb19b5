/** A participant's answer to a consent request. */
export type Decision = 'GRANTED' | 'DECLINED';

export type ConsentOutcome =
  | { kind: 'pending'; waitingFor: string[] }
  | { kind: 'granted' }
  | { kind: 'declined'; by: string[] };

/**
 * Where a recording request stands. Everyone required must have agreed; a single decline blocks it, even while
 * others have yet to answer, so the admin learns at once who said no.
 */
export function consentOutcome(
  required: Iterable<string>,
  decisions: ReadonlyMap<string, Decision>,
): ConsentOutcome {
  const waitingFor: string[] = [];
  const declined: string[] = [];
  for (const id of required) {
    const d = decisions.get(id);
    if (d === 'DECLINED') declined.push(id);
    else if (d !== 'GRANTED') waitingFor.push(id);
  }
  if (declined.length > 0) return { kind: 'declined', by: declined };
  if (waitingFor.length > 0) return { kind: 'pending', waitingFor };
  return { kind: 'granted' };
}
