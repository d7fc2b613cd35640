/**
 * A SQL statement a service runs, by name: `pg` prepares it once per connection
 * (Parse) and afterwards sends only Bind and Execute, so Postgres plans it once per connection
 * instead of once per request. Names are unique per statement text: `pg` refuses to reuse a name
 * for another text on the same connection.
 */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

/** Declares a named statement; the name says what it does (`order.find`) and shows in errors. */
export function statement(name: string, text: string): Statement {
  return { name, text: text.replace(/\s+/g, ' ').trim() };
}

/**
 * Timestamps are UTC instants in `timestamp(3)` columns (Prisma's convention, which the schema
 * keeps). Written as {@link NOW_UTC}; read through {@link utcColumn}, which hands them to `pg` as
 * `timestamptz`, parsed into the right instant whatever the session's time zone.
 */
export const NOW_UTC = "now() AT TIME ZONE 'UTC'";

/**
 * Parameter `$n`, an instant handed over as a `Date` (which `pg` sends with its offset), as the
 * UTC `timestamp` such columns hold, whatever the session's time zone.
 */
export const utcParam = (n: number): string => `($${n}::timestamptz AT TIME ZONE 'UTC')`;

/** `column` read as a `timestamptz` named `name` (the column's own name by default). */
export function utcColumn(column: string, name = column.replace(/^\w+\./, '')): string {
  return `${column} AT TIME ZONE 'UTC' AS ${name}`;
}
