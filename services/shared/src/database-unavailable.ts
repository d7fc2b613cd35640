/** Prisma error codes that mean "the database cannot be reached", not "the query is wrong". */
const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** The same, as `@prisma/adapter-pg` reports it in `meta.driverAdapterError.cause.kind`. */
const UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

/**
 * True when a Prisma error (with `@prisma/adapter-pg`) says the database is down, unreachable, or
 * shutting down, rather than that the query is wrong: storage layers turn it into a
 * {@link DependencyUnavailableError} (503).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as {
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } };
    name?: string;
  };
  if (e?.name === 'PrismaClientInitializationError') return true;
  if (typeof e?.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
  const cause = e?.meta?.driverAdapterError?.cause;
  if (typeof cause?.kind === 'string' && UNAVAILABLE_KINDS.has(cause.kind)) return true;
  // 57P01-57P03: the server is shutting down or starting up (admin_shutdown, crash_shutdown, cannot_connect_now)
  return typeof cause?.originalCode === 'string' && /^57P0[123]$/.test(cause.originalCode);
}
