import type { Static, TSchema } from 'typebox';
import type { ErrorCode } from './errors.ts';

// What one REST route is: method, path, inputs, reply and the errors it may answer with. The server registers
// every route from its definition (validation, OpenAPI) and the typed client derives calls from the same object,
// so a path, a body or a reply type is written exactly once (routes.ts).

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call a route. Documentation and OpenAPI; the server enforces it in the handler. */
export type RouteAccess = 'anyone' | 'signed-in' | 'staff' | 'clinician' | 'admin' | 'guest';

export interface RouteSpec {
  method: HttpMethod;
  /** fastify-style path: `:name` segments are filled from `params`. */
  path: string;
  summary: string;
  tag: string;
  access: RouteAccess;
  params?: TSchema;
  query?: TSchema;
  /** The body's schema (JSON), or 'bytes' for raw application/octet-stream (the link probe's upload). */
  body?: TSchema | 'bytes';
  /**
   * The success reply's schema, 'file' for a download streamed as bytes, or 'redirect' for a browser navigation
   * answered with a 302 (single sign-on).
   */
  reply: TSchema | 'file' | 'redirect';
  status: 200 | 201 | 302;
  /** Every error code the route answers with (besides VALIDATION_FAILED, RATE_LIMITED and INTERNAL). */
  errors: readonly ErrorCode[];
}

/** Keeps the literal types of a route definition (its schemas, path and method) for inference. */
export const defineRoute = <const R extends RouteSpec>(route: R): R => route;

/**
 * The static type of a route's schema field. The string markers ('bytes', 'file', 'redirect') are tested first: a string
 * literal would otherwise pass for a TSchema, whose properties are all optional.
 */
type SchemaOf<S> = S extends string ? never : S extends TSchema ? Static<S> : never;

export type RouteParams<R extends RouteSpec> = R extends { params: infer P } ? SchemaOf<P> : never;
export type RouteQuery<R extends RouteSpec> = R extends { query: infer Q } ? SchemaOf<Q> : never;
export type RouteBody<R extends RouteSpec> = R extends { body: infer B } ? SchemaOf<B> : never;
export type RouteReply<R extends RouteSpec> = R extends { reply: infer S } ? SchemaOf<S> : never;

/** A JSON field the route declares (required, or optional for the query), else one the caller may not pass. */
type Field<K extends 'params' | 'query' | 'body', V> = [V] extends [never]
  ? { [P in K]?: never }
  : K extends 'query'
    ? { [P in K]?: V }
    : { [P in K]: V };

/** What a caller passes: `params` when the path has them, `body` when the route takes one, `query` optionally. */
export type RouteInput<R extends RouteSpec> = Field<'params', RouteParams<R>> &
  Field<'query', RouteQuery<R>> &
  Field<'body', RouteBody<R>>;

/** The route's path with its `:name` segments filled in and the query string appended. */
export function routeUrl(
  route: Pick<RouteSpec, 'path'>,
  params?: Record<string, string | number>,
  query?: Record<string, string | number | boolean | undefined>,
): string {
  const path = route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${route.path}`);
    return encodeURIComponent(String(value));
  });
  const qs = Object.entries(query ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return qs ? `${path}?${qs}` : path;
}
