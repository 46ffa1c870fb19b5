import { ErrorCode as Codes, type ErrorCode } from './errors.ts';
import { type RouteInput, type RouteReply, type RouteSpec, routeUrl } from './route.ts';
import { type RouteName, Routes } from './routes.ts';

// The typed REST client, derived from the route table: `api.getConsultation({ params: { consultationId } })`
// returns a ConsultationDetail or throws an ApiError carrying the server's code. The caller supplies `fetch`, so
// this module does no I/O of its own and runs in browsers, the call engine and tests alike.

/** A failed call: the server's error code and message, or NETWORK when the server could not be reached. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK',
    message: string,
  ) {
    super(message);
  }
}

/** The part of WHATWG fetch the client uses (declared here so this package needs no DOM types). */
export type FetchLike = (
  url: string,
  init: {
    method: string;
    credentials: 'include' | 'same-origin' | 'omit';
    headers: Record<string, string>;
    body: string | null;
  },
) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

export interface ApiClientOptions {
  fetch: FetchLike;
  /** Origin to prefix paths with; '' (default) for same-origin pages. */
  baseUrl?: string;
  credentials?: 'include' | 'same-origin' | 'omit';
}

/** Input is optional when nothing in it is required (no params, no body). */
type Call<R extends RouteSpec> =
  Record<never, never> extends RouteInput<R>
    ? (input?: RouteInput<R>) => Promise<RouteReply<R>>
    : (input: RouteInput<R>) => Promise<RouteReply<R>>;

/**
 * Routes that carry raw bytes (downloads, the link probe) are called with `apiUrl` and fetch, not as JSON; a
 * redirect route (single sign-on) is a link the browser navigates to.
 */
type RawRoute<R extends RouteSpec> = R['reply'] extends 'file' | 'redirect'
  ? true
  : R extends { body: 'bytes' }
    ? true
    : false;

/** One method per JSON route (for a download, link to `apiUrl(Routes.recordingFile, ...)` instead). */
export type ApiClient = {
  [K in RouteName as RawRoute<Routes[K]> extends true ? never : K]: Call<Routes[K]>;
};

/** The full URL of a route (for links such as downloads). */
export function apiUrl<R extends RouteSpec>(route: R, input: RouteInput<R>, baseUrl = ''): string {
  const { params, query } = input as { params?: Record<string, string>; query?: Record<string, string> };
  return `${baseUrl}${routeUrl(route, params, query)}`;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const call = async (route: RouteSpec, input: RouteInput<RouteSpec> = {}): Promise<unknown> => {
    const { body } = input as { body?: unknown };
    let res: Awaited<ReturnType<FetchLike>>;
    try {
      res = await options.fetch(apiUrl(route, input, options.baseUrl ?? ''), {
        method: route.method,
        credentials: options.credentials ?? 'same-origin',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? null : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, 'NETWORK', `Cannot reach the server (${(err as Error).message})`);
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // A proxy's HTML error page, say: reported by status below.
    }
    if (!res.ok) {
      const error = (json as { error?: { code?: ErrorCode; message?: string } } | null)?.error;
      throw new ApiError(res.status, error?.code ?? Codes.Internal, error?.message ?? `HTTP ${res.status}`);
    }
    return json;
  };
  const client: Record<string, unknown> = {};
  for (const [name, route] of Object.entries(Routes) as [RouteName, RouteSpec][]) {
    if (route.reply === 'file' || route.reply === 'redirect' || route.body === 'bytes') continue;
    client[name] = (input?: RouteInput<RouteSpec>) => call(route, input);
  }
  return client as ApiClient;
}
