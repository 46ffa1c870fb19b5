/**
 * A database schema as a set of one-line facts ("column User.email text NOT NULL", "index …"), so the schema
 * Prisma expects and the one the migrations built can be compared as two sets and any drift listed line by line.
 */
export type SchemaFacts = Set<string>;

export function diffFacts(
  expected: SchemaFacts,
  actual: SchemaFacts,
): { missingFromDatabase: string[]; notInPrismaSchema: string[] } {
  return {
    missingFromDatabase: [...expected].filter((f) => !actual.has(f)).sort(),
    notInPrismaSchema: [...actual].filter((f) => !expected.has(f)).sort(),
  };
}

/** Postgres's spelling of an identifier in format_type / pg_get_expr output. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
