/**
 * A SQL statement the API runs on its hot paths, by name: `pg` prepares it once per connection
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
