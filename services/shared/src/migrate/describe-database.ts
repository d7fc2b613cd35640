/**
 * Names a database for messages and logs as `host:port/database`, dropping the credentials.
 * An unparsable URL is described as `<invalid database URL>` rather than echoed, since it may hold
 * a password.
 */
export function describeDatabase(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return '<invalid database URL>';
  }
}
