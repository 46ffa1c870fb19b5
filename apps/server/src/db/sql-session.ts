/**
 * The little the migration runner needs from a connection. It must be one session (not a pool) because the
 * advisory lock and BEGIN/COMMIT belong to the connection that issued them.
 */
export interface SqlSession {
  /** Runs a script of one or more statements, without parameters. */
  exec(sql: string): Promise<void>;
  /** Runs one statement with positional parameters ($1, $2, …) and returns its rows. */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}
