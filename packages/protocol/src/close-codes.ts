// WebSocket close codes of the signaling socket: the one definition both sides use. Each says what happened and
// whether the client should reconnect. 4000–4999 are the application's own range (RFC 6455 §7.4.2).

export interface CloseCodeInfo {
  code: number;
  /** What it means, for docs/protocol.md and logs. */
  meaning: string;
  /**
   * `final`: reconnecting cannot help (the client stops). `retry`: reconnect with backoff and resume.
   * `retry-now`: reconnect at once (to another node) and resume; the server is going away on purpose.
   */
  client: 'final' | 'retry' | 'retry-now';
}

const info = <const T extends Record<string, CloseCodeInfo>>(table: T) => table;

export const CloseCodes = info({
  /** The client closed the socket itself (leave, page gone). */
  ClientClosed: { code: 1000, meaning: 'the client closed the connection', client: 'final' },
  /** The server process is shutting down without a successor (ws closes with 1001). */
  ServerGoingAway: {
    code: 1001,
    meaning: 'the server is shutting down; reconnect and resume',
    client: 'retry',
  },
  /** A frame above the hard size limit; ws itself closes with 1009. The client may reconnect. */
  MessageTooBig: { code: 1009, meaning: 'a frame exceeded the hard size limit', client: 'retry' },
  /** The client dropped its socket as a network failure would (tests, missed pongs). */
  ClientDropped: { code: 4000, meaning: 'the client dropped the connection to reconnect', client: 'retry' },
  /** The same participant connected again elsewhere; this older connection is closed. */
  Replaced: {
    code: 4001,
    meaning: 'replaced by a newer connection of the same participant',
    client: 'final',
  },
  /** The guest's access was withdrawn: invite revoked, admission denied, or removed by staff. */
  AccessWithdrawn: {
    code: 4003,
    meaning: 'access withdrawn (invite revoked, admission denied or removed)',
    client: 'final',
  },
  /** The consultation ended; nothing is left to rejoin. */
  ConsultationEnded: { code: 4010, meaning: 'the consultation ended', client: 'final' },
  /**
   * The session behind the socket ended: signed out, password changed or reset, account deactivated, session
   * revoked or expired. The client must sign in (or open its invite) again.
   */
  SessionEnded: {
    code: 4011,
    meaning:
      'the session ended (signed out, password changed, role changed, deactivated, revoked or expired)',
    client: 'final',
  },
  /** The handshake carried no valid session or guest cookie. */
  Unauthenticated: { code: 4401, meaning: 'not signed in and no open invite', client: 'final' },
  /** The handshake came from a page of another origin. */
  CrossOrigin: { code: 4403, meaning: 'cross-origin connections are not allowed', client: 'final' },
  /**
   * This server node is restarting or draining (deploys, scale-in): reconnect at once, another node resumes the
   * place within the grace period; nobody else sees a leave.
   */
  ServerRestarting: {
    code: 4503,
    meaning: 'this server node is restarting; reconnect now and resume on another node',
    client: 'retry-now',
  },
});

export type CloseCodeName = keyof typeof CloseCodes;

/** Numeric close code by name: `CloseCode.SessionEnded` is 4011. */
export const CloseCode = Object.fromEntries(Object.entries(CloseCodes).map(([k, v]) => [k, v.code])) as {
  readonly [K in CloseCodeName]: (typeof CloseCodes)[K]['code'];
};
export type CloseCode = (typeof CloseCode)[CloseCodeName];

const byCode = new Map<number, CloseCodeInfo>(Object.values(CloseCodes).map((c) => [c.code, c]));

/**
 * What the client does after a close with `code`. Codes not in the table (1006 abnormal closure after a network
 * failure, 1011 server error, proxies' own codes) are retried: only the server's explicit verdicts are final.
 */
export function closeAction(code: number): CloseCodeInfo['client'] {
  return byCode.get(code)?.client ?? 'retry';
}

/** The table as Markdown, for docs/protocol.md (a test keeps the document current). */
export function describeCloseCodes(): string {
  const rows = Object.entries(CloseCodes).map(
    ([name, c]) => `| ${c.code} | \`${name}\` | ${c.meaning} | ${c.client} |`,
  );
  return ['| code | name | meaning | client |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
