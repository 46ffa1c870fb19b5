import type { SchemaFacts } from './schema-facts.ts';

type Query = <T>(sql: string) => Promise<T[]>;

// The runner's bookkeeping table is not part of the data model.
const ignoredTables = `('_consulta_migrations')`;

const actions: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

/**
 * Reads the public schema of a live database from the system catalogs as facts in the same spelling as
 * expectedFacts. Everything is cast to text in SQL so the result is identical through any driver.
 */
export async function actualFacts(query: Query): Promise<SchemaFacts> {
  const facts = new Set<string>();

  const enums = await query<{ name: string; labels: string }>(`
    SELECT t.typname::text AS name, string_agg(e.enumlabel::text, ', ' ORDER BY e.enumsortorder) AS labels
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = 'public' GROUP BY t.typname`);
  for (const e of enums) facts.add(`enum ${e.name} (${e.labels})`);

  const tables = await query<{ name: string; kind: string }>(`
    SELECT c.relname::text AS name, c.relkind::text AS kind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relname NOT IN ${ignoredTables}`);
  for (const t of tables)
    facts.add(t.kind === 'r' ? `table ${t.name}` : `relation ${t.name} of kind ${t.kind}`);

  const columns = await query<{
    tbl: string;
    col: string;
    type: string;
    notnull: boolean;
    dflt: string | null;
  }>(`
    SELECT c.relname::text AS tbl, a.attname::text AS col, format_type(a.atttypid, a.atttypmod) AS type,
           a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS dflt
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
      AND c.relname NOT IN ${ignoredTables}`);
  for (const c of columns) {
    // format_type prints user types schema-qualified only when off the search path; strip to compare names.
    const type = c.type.replace(/^public\./, '');
    facts.add(
      `column ${c.tbl}.${c.col} ${type}${c.notnull ? ' NOT NULL' : ''}${c.dflt ? ` DEFAULT ${c.dflt}` : ''}`,
    );
  }

  const indexes = await query<{
    name: string;
    tbl: string;
    isunique: boolean;
    isprimary: boolean;
    method: string;
    cols: string | null;
    pred: string | null;
    exprs: string | null;
  }>(`
    SELECT ic.relname::text AS name, t.relname::text AS tbl, ix.indisunique AS isunique,
           ix.indisprimary AS isprimary, am.amname::text AS method,
           (SELECT string_agg(CASE WHEN k.attnum = 0 THEN '<expression>' ELSE a.attname::text END, ', '
                              ORDER BY k.ord)
              FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
              LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS cols,
           pg_get_expr(ix.indpred, ix.indrelid) AS pred, pg_get_expr(ix.indexprs, ix.indrelid) AS exprs
    FROM pg_index ix
    JOIN pg_class ic ON ic.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_am am ON am.oid = ic.relam
    WHERE n.nspname = 'public' AND t.relname NOT IN ${ignoredTables}`);
  for (const i of indexes) {
    const kind = i.isprimary ? 'primary key' : i.isunique ? 'unique index' : 'index';
    const extra = `${i.pred ? ` WHERE ${i.pred}` : ''}${i.exprs ? ` expressions ${i.exprs}` : ''}`;
    facts.add(`${kind} ${i.name} on ${i.tbl} (${i.cols ?? ''}) using ${i.method}${extra}`);
  }

  const constraints = await query<{
    name: string;
    tbl: string;
    type: string;
    cols: string | null;
    reftbl: string | null;
    refcols: string | null;
    ondelete: string;
    onupdate: string;
    def: string;
  }>(`
    SELECT con.conname::text AS name, t.relname::text AS tbl, con.contype::text AS type,
           (SELECT string_agg(a.attname::text, ', ' ORDER BY k.ord)
              FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS cols,
           rt.relname::text AS reftbl,
           (SELECT string_agg(a.attname::text, ', ' ORDER BY k.ord)
              FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS refcols,
           con.confdeltype::text AS ondelete, con.confupdtype::text AS onupdate,
           pg_get_constraintdef(con.oid) AS def
    FROM pg_constraint con
    JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
    LEFT JOIN pg_class rt ON rt.oid = con.confrelid
    WHERE n.nspname = 'public' AND t.relname NOT IN ${ignoredTables}`);
  for (const c of constraints) {
    if (c.type === 'f') {
      facts.add(
        `foreign key ${c.name} on ${c.tbl} (${c.cols}) references ${c.reftbl} (${c.refcols}) ` +
          `ON DELETE ${actions[c.ondelete]} ON UPDATE ${actions[c.onupdate]}`,
      );
    } else if (c.type === 'u') {
      // Prisma makes unique indexes, never UNIQUE constraints: one here means a migration differs from what
      // `prisma migrate` would write.
      facts.add(`unique constraint ${c.name} on ${c.tbl} (${c.cols})`);
    } else if (c.type !== 'p' && c.type !== 'n') {
      // Primary keys already show as indexes and NOT NULL as columns (PostgreSQL 18, which PGlite 0.5 is,
      // also catalogues NOT NULL as constraints). Checks, exclusions and triggers are drift.
      facts.add(`constraint ${c.name} on ${c.tbl}: ${c.def}`);
    }
  }

  const others = await query<{ kind: string; name: string }>(`
    SELECT 'sequence' AS kind, c.relname::text AS name
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'S'
    UNION ALL
    SELECT 'trigger', tg.tgname::text || ' on ' || t.relname::text
      FROM pg_trigger tg JOIN pg_class t ON t.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND NOT tg.tgisinternal
    UNION ALL
    SELECT 'type', t.typname::text
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = 'public' AND t.typtype NOT IN ('e', 'c', 'b') `);
  for (const o of others) facts.add(`${o.kind} ${o.name}`);

  return facts;
}
