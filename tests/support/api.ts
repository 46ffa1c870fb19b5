import { type ApiClient, createApiClient } from '@consulta/protocol';
import type { HttpClient } from './http.ts';

/**
 * The typed REST client of packages/protocol over a test HttpClient (its cookie jar is the browser's): tests call
 * routes by name, as the apps do, and failures arrive as ApiError with the server's code.
 */
export function apiOf(http: HttpClient, headers: Record<string, string> = {}): ApiClient {
  return createApiClient({
    fetch: async (url, init) => {
      const res = await http.request(init.method, url, init.body ?? undefined, headers);
      return { ok: res.status < 400, status: res.status, text: async () => JSON.stringify(res.body ?? null) };
    },
  });
}
