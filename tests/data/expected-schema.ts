import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getDMMF } from '@prisma/get-dmmf';
import { quoteIdent, type SchemaFacts } from './schema-facts.ts';

const schemaPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prisma/schema.prisma');

type Document = Exclude<ReturnType<typeof getDMMF>, { type: 'wasm-error' | 'parse-json' }>;
type Datamodel = Document['datamodel'];
type Model = Datamodel['models'][number];
type Field = Model['fields'][number];

// Prisma's PostgreSQL column types for scalar fields without @db.* attributes.
const scalarTypes: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
  Boolean: 'boolean',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
};

const referentialActions: Record<string, string> = {
  Cascade: 'CASCADE',
  Restrict: 'RESTRICT',
  NoAction: 'NO ACTION',
  SetNull: 'SET NULL',
  SetDefault: 'SET DEFAULT',
};

// How each DMMF index type shows in the catalog, and the suffix of Prisma's default name for it.
const indexStyles: Record<string, [kind: string, suffix: string] | undefined> = {
  id: ['primary key', 'pkey'],
  unique: ['unique index', 'key'],
  normal: ['index', 'idx'],
};

/** Parses prisma/schema.prisma with Prisma's own (WebAssembly) parser. */
export function loadDatamodel(file = schemaPath): Datamodel {
  const result = getDMMF({ datamodel: readFileSync(file, 'utf8') });
  if ('type' in result) throw new Error(`Cannot parse ${file}: ${result.reason}`);
  return result.datamodel;
}

/**
 * The schema `prisma migrate` would create for this data model on PostgreSQL, as facts. Throws on features it
 * does not model (native types, lists, autoincrement, …) so a schema change cannot slip past unchecked.
 */
export function expectedFacts(dm: Datamodel): SchemaFacts {
  const facts = new Set<string>();
  const models = new Map(dm.models.map((m) => [m.name, m]));
  const table = (m: Model) => m.dbName ?? m.name;
  const column = (m: Model, fieldName: string) => {
    const f = m.fields.find((x) => x.name === fieldName);
    if (!f) throw new Error(`${m.name} has no field ${fieldName}`);
    return f.dbName ?? f.name;
  };
  const enumDbName = new Map(dm.enums.map((e) => [e.name, e.dbName ?? e.name]));

  for (const e of dm.enums) {
    facts.add(`enum ${e.dbName ?? e.name} (${e.values.map((v) => v.dbName ?? v.name).join(', ')})`);
  }
  for (const m of dm.models) {
    if (m.schema) throw new Error(`${m.name}: multi-schema models are not handled by the drift test`);
    facts.add(`table ${table(m)}`);
    for (const f of m.fields) {
      if (f.kind === 'object') {
        if (f.relationFromFields?.length) facts.add(foreignKey(m, f));
        continue;
      }
      if (f.kind === 'unsupported' || f.isList || f.nativeType) {
        throw new Error(`${m.name}.${f.name}: lists, native types and Unsupported() need drift-test support`);
      }
      const type = f.kind === 'enum' ? quoteIdent(enumDbName.get(f.type) ?? f.type) : scalarTypes[f.type];
      if (!type) throw new Error(`${m.name}.${f.name}: no PostgreSQL type known for ${f.type}`);
      const dflt = columnDefault(m, f, type);
      facts.add(
        `column ${table(m)}.${f.dbName ?? f.name} ${type}${f.isRequired ? ' NOT NULL' : ''}${dflt ? ` DEFAULT ${dflt}` : ''}`,
      );
    }
  }
  for (const ix of dm.indexes) {
    const m = models.get(ix.model)!;
    if (ix.fields.some((x) => x.sortOrder || x.length || x.operatorClass)) {
      throw new Error(`${m.name}: index sort order, length and operator classes need drift-test support`);
    }
    const cols = ix.fields.map((x) => column(m, x.name));
    const style = indexStyles[ix.type];
    if (!style) throw new Error(`${m.name}: ${ix.type} indexes need drift-test support`);
    const [kind, suffix] = style;
    const name = ix.dbName ?? constraintName(table(m), ix.type === 'id' ? [] : cols, suffix);
    const method = (ix.algorithm ?? 'BTree').toLowerCase();
    facts.add(`${kind} ${name} on ${table(m)} (${cols.join(', ')}) using ${method}`);
  }
  return facts;

  function foreignKey(m: Model, f: Field): string {
    const target = models.get(f.type)!;
    const from = f.relationFromFields!.map((n) => column(m, n));
    const to = f.relationToFields!.map((n) => column(target, n));
    // Prisma's defaults: a required relation restricts deletes, an optional one nulls the reference.
    const fromRequired = f.relationFromFields!.every((n) => m.fields.find((x) => x.name === n)?.isRequired);
    const onDelete = f.relationOnDelete ?? (fromRequired ? 'Restrict' : 'SetNull');
    const onUpdate = f.relationOnUpdate ?? 'Cascade';
    const name = constraintName(table(m), from, 'fkey');
    return (
      `foreign key ${name} on ${table(m)} (${from.join(', ')}) references ${table(target)} (${to.join(', ')}) ` +
      `ON DELETE ${referentialActions[onDelete]} ON UPDATE ${referentialActions[onUpdate]}`
    );
  }
}

/** The default as pg_get_expr prints it; null when Prisma fills the value in the client (uuid(), cuid()). */
function columnDefault(m: Model, f: Field, type: string): string | null {
  if (!f.hasDefaultValue || f.default === undefined) return null;
  const d = f.default as unknown;
  if (typeof d === 'object' && d !== null && 'name' in d) {
    const fn = (d as { name: string }).name;
    if (fn === 'uuid' || fn === 'cuid' || fn === 'nanoid' || fn === 'ulid') return null;
    if (fn === 'now') return 'CURRENT_TIMESTAMP';
    throw new Error(`${m.name}.${f.name}: default ${fn}() needs drift-test support`);
  }
  if (typeof d === 'string') return `'${d.replace(/'/g, "''")}'::${type}`;
  if (typeof d === 'number' || typeof d === 'boolean') return String(d);
  throw new Error(`${m.name}.${f.name}: default ${JSON.stringify(d)} needs drift-test support`);
}

/** Prisma's default constraint name: Table_col1_col2_suffix, cut to PostgreSQL's 63-byte identifier limit. */
function constraintName(tableName: string, columns: string[], suffix: string): string {
  const base = [tableName, ...columns].join('_');
  return `${base.slice(0, 63 - suffix.length - 1)}_${suffix}`;
}
