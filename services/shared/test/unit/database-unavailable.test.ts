import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/database-unavailable.js';

// The shapes below are what Prisma 7 with @prisma/adapter-pg throws (its request handler turns
// any error with a `code` into a PrismaClientKnownRequestError with that code; adapter-pg maps
// only some socket errors to a kind). The connection-loss paths themselves run against real
// sockets in services/api/test/integration/replica-connection-loss.test.ts.
const known = (code: string, meta?: unknown) => ({
  name: 'PrismaClientKnownRequestError',
  code,
  message: 'x',
  meta,
});
const adapterCause = (cause: Record<string, unknown>) =>
  known('P2010', { driverAdapterError: { cause } });
/** What `pg` throws for a server's error: a DatabaseError carrying the SQLSTATE as `code`. */
const pgError = (code: string) => Object.assign(new Error('x'), { name: 'error', code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a client that cannot initialise', { name: 'PrismaClientInitializationError' }],
    ['P1001 (cannot reach the server)', known('P1001')],
    ['P2024 (pool timeout)', known('P2024')],
    ['an unreachable host (the pod address is gone)', known('EHOSTUNREACH')],
    ['an unreachable network', known('ENETUNREACH')],
    ['a write to a closed socket', known('EPIPE')],
    ['an aborted connection', known('ECONNABORTED')],
    ['a DNS lookup that failed for now', known('EAI_AGAIN')],
    ['a refused connection', known('ECONNREFUSED')],
    ['adapter-pg: not reachable', adapterCause({ kind: 'DatabaseNotReachable' })],
    ['adapter-pg: connection closed', adapterCause({ kind: 'ConnectionClosed' })],
    ['a server shutting down (57P01)', adapterCause({ kind: 'postgres', originalCode: '57P01' })],
    ['a server starting up (57P03)', adapterCause({ kind: 'postgres', originalCode: '57P03' })],
    [
      'pg: connection terminated',
      { name: 'PrismaClientUnknownRequestError', message: 'Connection terminated unexpectedly' },
    ],
    ['pg: connect timeout', new Error('timeout exceeded when trying to connect')],
    ['pg: a server shutting down (57P01)', pgError('57P01')],
    ['pg: a server starting up (57P03)', pgError('57P03')],
    ['pg: too many connections (53300)', pgError('53300')],
    ['pg: a connection failure (08006)', pgError('08006')],
  ])('is true for %s', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', known('P2002')],
    ['a record that does not exist', known('P2025')],
    ['a syntax error', adapterCause({ kind: 'postgres', originalCode: '42601' })],
    ['a serialization failure', adapterCause({ kind: 'postgres', originalCode: '40001' })],
    ['a plain programming error', new TypeError('cannot read properties of undefined')],
    ['an unknown code', known('EWHATEVER')],
    ['pg: a unique violation (23505)', pgError('23505')],
    ['pg: a syntax error (42601)', pgError('42601')],
    ['pg: a read-only transaction (25006)', pgError('25006')],
    ['nothing', undefined],
    ['a string', 'ECONNREFUSED'],
  ])('is false for %s', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
