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
// An entry by what the client does, so the verdict reads first; code and verdict keep their literal types.
const verdict =
  <const V extends CloseCodeInfo['client']>(client: V) =>
  <const C extends number>(code: C, meaning: string) => ({ code, meaning, client });
const final = verdict('final');
const retry = verdict('retry');
const retryNow = verdict('retry-now');

export const CloseCodes = info({
  /** The client closed the socket itself (leave, page gone). */
  ClientClosed: final(1000, 'the client closed the connection'),
  /** The server process is shutting down without a successor (ws closes with 1001). */
  ServerGoingAway: retry(1001, 'the server is shutting down; reconnect and resume'),
  /** A frame above the hard size limit; ws itself closes with 1009. The client may reconnect. */
  MessageTooBig: retry(1009, 'a frame exceeded the hard size limit'),
  /** The client dropped its socket as a network failure would (tests, missed pongs). */
  ClientDropped: retry(4000, 'the client dropped the connection to reconnect'),
  /** The same participant connected again elsewhere; this older connection is closed. */
  Replaced: final(4001, 'replaced by a newer connection of the same participant'),
  /** The guest's access was withdrawn: invite revoked, admission denied, or removed by staff. */
  AccessWithdrawn: final(4003, 'access withdrawn (invite revoked, admission denied or removed)'),
  /** The consultation ended; nothing is left to rejoin. */
  ConsultationEnded: final(4010, 'the consultation ended'),
  /**
   * The session behind the socket ended: signed out, password changed or reset, account deactivated, session
   * revoked or expired. The client must sign in (or open its invite) again.
   */
  SessionEnded: final(
    4011,
    'the session ended (signed out, password changed, role changed, deactivated, revoked or expired)',
  ),
  /** The handshake carried no valid session or guest cookie. */
  Unauthenticated: final(4401, 'not signed in and no open invite'),
  /** The handshake came from a page of another origin. */
  CrossOrigin: final(4403, 'cross-origin connections are not allowed'),
  /**
   * This server node is restarting or draining (deploys, scale-in): reconnect at once, another node resumes the
   * place within the grace period; nobody else sees a leave.
   */
  ServerRestarting: retryNow(
    4503,
    'this server node is restarting; reconnect now and resume on another node',
  ),
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

/** RFC 6455's "going away", as a browser sends it when the page that held the socket is gone. */
export const PAGE_GOING_AWAY = 1001;

/** RFC 6455's code for a connection that ended without a close frame (never sent on the wire). */
export const ABNORMAL_CLOSURE = 1006;

/**
 * How a signaling socket ended, as the server reads it. `final`: the server closed it for good (the member leaves
 * now). `page-gone`: the client closed it with 1000 or 1001 and no `leave`: a tab closed, reloaded or navigated
 * away, or its renderer crashed (Chromium's network service then closes the socket with 1001 on the page's
 * behalf). The page's peer connections died with it, so nothing it relayed still flows, though its place is kept
 * for a reload. `broken`: the TCP connection ended without a close frame (1006) and the server did not end it:
 * the client's operating system closed it for a process that died (a browser killed or crashed as a whole, a
 * phone's OS reclaiming it), or a proxy on the way restarted. A network that vanishes sends nothing at all, so
 * this is a process gone more often than not, but a proxy's restart looks the same and its clients come back
 * within a second. `dropped`: anything else (4000 ClientDropped, a missed heartbeat, a server node going away):
 * the page may be alive and its media still flowing while it reconnects.
 */
export const SOCKET_ENDS = ['final', 'page-gone', 'broken', 'dropped'] as const;
export type SocketEnd = (typeof SOCKET_ENDS)[number];

/** `clientCode`: the code the socket closed with; `serverCode`: the code the server closed it with, if it did. */
export function socketEnd(clientCode: number, serverCode: number | null): SocketEnd {
  if (serverCode !== null) return closeAction(serverCode) === 'final' ? 'final' : 'dropped';
  if (clientCode === CloseCodes.ClientClosed.code || clientCode === PAGE_GOING_AWAY) return 'page-gone';
  return clientCode === ABNORMAL_CLOSURE ? 'broken' : 'dropped';
}

/** The table as Markdown, for docs/protocol.md (a test keeps the document current). */
export function describeCloseCodes(): string {
  const rows = Object.entries(CloseCodes).map(
    ([name, c]) => `| ${c.code} | \`${name}\` | ${c.meaning} | ${c.client} |`,
  );
  return ['| code | name | meaning | client |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
