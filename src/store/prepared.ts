import { createQueryId, type Compilable, type CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './schema.ts';

const SLOT = '\u0000slot:';

interface Template {
  sql: string;
  query: CompiledQuery['query'];
  /** For each parameter: the index of the argument that fills it, or a constant the builder put there. */
  fill: Array<{ arg: number } | { value: unknown }>;
}

/**
 * A query built with Kysely once and compiled once per engine, then run with fresh values in the same places.
 * On the hot paths (a refresh is a dozen statements) building and compiling cost more than SQLite's own work.
 * `build` receives `arg(i)` for each value that varies; anything else it writes is fixed. Values only: an
 * `in (...)` list of varying length cannot be a slot.
 */
export function prepared<R>(build: (db: Kysely<Database>, arg: (i: number) => any) => Compilable<R>) {
  const templates = new WeakMap<object, Template>();
  return (db: Kysely<Database>, ...args: unknown[]): Promise<QueryResult<R>> => {
    const adapter = db.getExecutor().adapter;
    let template = templates.get(adapter);
    if (!template) {
      const compiled = build(db, (i) => `${SLOT}${i}`).compile();
      template = {
        sql: compiled.sql,
        query: compiled.query,
        fill: compiled.parameters.map((p) => (typeof p === 'string' && p.startsWith(SLOT) ? { arg: Number(p.slice(SLOT.length)) } : { value: p })),
      };
      templates.set(adapter, template);
    }
    const parameters = template.fill.map((f) => ('arg' in f ? args[f.arg] : f.value));
    return db.executeQuery<R>({ sql: template.sql, query: template.query, parameters, queryId: createQueryId() });
  };
}
