import { DependencyUnavailableError } from './dependency-unavailable.js';

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
 * Node socket error codes. `@prisma/adapter-pg` maps only four of them to a kind; the others (a
 * server whose pod address vanished answers EHOSTUNREACH, a half-closed socket EPIPE) reach
 * Prisma's request handler as they are, which turns any error with a `code` into a
 * `PrismaClientKnownRequestError` carrying that very code.
 */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
]);
/**
 * What `pg` says when a connection dies or cannot be had in time; these errors carry no code, so
 * Prisma passes on only their message.
 */
const PG_CONNECTION_LOST =
  /Connection terminated unexpectedly|Connection terminated due to connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable/;

/**
 * SQLSTATEs that `pg` itself reports (queries the services run without Prisma): connection
 * exceptions (class 08), too many connections (53300), and a server shutting down or starting up
 * (57P01-57P03: admin_shutdown, crash_shutdown, cannot_connect_now).
 */
const PG_UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|53300|57P0[123])$/;

/**
 * True when a Prisma error (with `@prisma/adapter-pg`), or a `pg` error, says the database is down, unreachable, or
 * shutting down, rather than that the query is wrong: storage layers turn it into a
 * {@link DependencyUnavailableError} (503), and replica reads fall back to the primary.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as {
    code?: unknown;
    message?: unknown;
    meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } };
    name?: string;
  };
  if (e?.name === 'PrismaClientInitializationError') return true;
  if (
    typeof e?.code === 'string' &&
    (UNAVAILABLE_CODES.has(e.code) ||
      SOCKET_CODES.has(e.code) ||
      PG_UNAVAILABLE_SQLSTATE.test(e.code))
  )
    return true;
  if (typeof e?.message === 'string' && PG_CONNECTION_LOST.test(e.message)) return true;
  const cause = e?.meta?.driverAdapterError?.cause;
  if (typeof cause?.kind === 'string' && UNAVAILABLE_KINDS.has(cause.kind)) return true;
  // 57P01-57P03: the server is shutting down or starting up (admin_shutdown, crash_shutdown, cannot_connect_now)
  return typeof cause?.originalCode === 'string' && /^57P0[123]$/.test(cause.originalCode);
}

/**
 * `error` as the request should see it: a {@link DependencyUnavailableError} naming `dependency`
 * (503, retry in 5 s) when it says the database is unavailable, else unchanged.
 */
export function asDependencyError(error: unknown, dependency: string): unknown {
  if (!isDatabaseUnavailable(error)) return error;
  return new DependencyUnavailableError(dependency, 5, { cause: error });
}
