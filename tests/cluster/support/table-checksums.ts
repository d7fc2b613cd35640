import type { Kube } from './kube.js';

/**
 * One line per user table of `database` on `pod`: `schema.table rows md5`, the md5 over every
 * row's text in a stable order, so two databases with the same rows give the same lines.
 */
export async function tableChecksums(kube: Kube, pod: string, database: string): Promise<string[]> {
  const tables = await kube.psql(
    pod,
    `SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
     WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    database,
  );
  const lines: string[] = [];
  for (const table of tables) {
    const [line] = await kube.psql(
      pod,
      `SELECT '${table.replaceAll("'", "''")} ' || count(*) || ' ' ||
              coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '-') FROM ${table} t`,
      database,
    );
    lines.push(line as string);
  }
  return lines;
}
