/** Prisma error codes that mean "the database cannot be reached", not "the query is wrong". */
const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** The same, as `@prisma/adapter-pg` reports it in `meta.driverAdapterError.cause.kind`. */
const UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

/** True when a Prisma error says the database is down or unreachable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as {
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { kind?: unknown } } };
    name?: string;
  };
  if (e?.name === 'PrismaClientInitializationError') return true;
  if (typeof e?.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
  const kind = e?.meta?.driverAdapterError?.cause?.kind;
  return typeof kind === 'string' && UNAVAILABLE_KINDS.has(kind);
}
