/**
 * What the API service's Prometheus metrics say about a stretch of the api-read-mix benchmark:
 * which database role served each operation, the routes it answered, its profile cache.
 */
import type { PromSample } from './prom-text.js';

/** Operations that use the primary by design: writes, and the idempotency lookup. */
export const PRIMARY_OPERATIONS: readonly string[] = [
  'order.create',
  'order.transition',
  'profile.upsert',
  'order.findByKey',
];
/** The replica's replay position, read to decide whether a read-your-writes read may go there. */
export const REPLAY_POSITION_OPERATION = 'replayPosition';

/** Queries of one operation (or one shard) by role, with their mean duration. */
export interface RoleCounts {
  readonly replica: number;
  readonly primary: number;
  readonly replicaMeanMs: number;
  readonly primaryMeanMs: number;
}

/** Which role served the reads of one measured run, from `db_query_duration_seconds`. */
export interface DbSplit {
  /** Read operations: everything but {@link PRIMARY_OPERATIONS} and the replay position. */
  readonly reads: { readonly replica: number; readonly primary: number; readonly share: number };
  readonly byShard: Readonly<
    Record<
      string,
      {
        readonly readsReplica: number;
        readonly readsPrimary: number;
        readonly share: number;
        readonly primaryOperations: number;
        readonly replayPosition: number;
      }
    >
  >;
  /** Every operation seen, reads and writes, by role. */
  readonly byOperation: Readonly<Record<string, RoleCounts>>;
  readonly primaryOperations: number;
  readonly replayPosition: number;
}

export function isReadOperation(operation: string): boolean {
  return !PRIMARY_OPERATIONS.includes(operation) && operation !== REPLAY_POSITION_OPERATION;
}

/** The database split of a metrics delta (one run, or the sum of several). */
export function dbSplit(delta: readonly PromSample[]): DbSplit {
  const count = delta.filter((s) => s.name === 'db_query_duration_seconds_count' && s.value > 0);
  const sum = (s: PromSample) =>
    delta.find(
      (d) =>
        d.name === 'db_query_duration_seconds_sum' &&
        d.labels.shard === s.labels.shard &&
        d.labels.role === s.labels.role &&
        d.labels.operation === s.labels.operation,
    )?.value ?? 0;
  const ops: Record<string, { replica: number; primary: number; rSum: number; pSum: number }> = {};
  const shards: Record<
    string,
    { readsReplica: number; readsPrimary: number; primaryOperations: number; replay: number }
  > = {};
  for (const s of count) {
    const { shard = '?', role = '?', operation = '?' } = s.labels;
    ops[operation] ??= { replica: 0, primary: 0, rSum: 0, pSum: 0 };
    shards[shard] ??= { readsReplica: 0, readsPrimary: 0, primaryOperations: 0, replay: 0 };
    const op = ops[operation];
    const sh = shards[shard];
    if (role === 'replica') {
      op.replica += s.value;
      op.rSum += sum(s);
    } else {
      op.primary += s.value;
      op.pSum += sum(s);
    }
    if (operation === REPLAY_POSITION_OPERATION) sh.replay += s.value;
    else if (!isReadOperation(operation)) sh.primaryOperations += s.value;
    else if (role === 'replica') sh.readsReplica += s.value;
    else sh.readsPrimary += s.value;
  }
  const share = (replica: number, primary: number) =>
    replica + primary > 0 ? replica / (replica + primary) : Number.NaN;
  const byShard: DbSplit['byShard'] = Object.fromEntries(
    Object.entries(shards)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, s]) => [
        name,
        {
          readsReplica: s.readsReplica,
          readsPrimary: s.readsPrimary,
          share: share(s.readsReplica, s.readsPrimary),
          primaryOperations: s.primaryOperations,
          replayPosition: s.replay,
        },
      ]),
  );
  const total = (f: (s: (typeof shards)[string]) => number) =>
    Object.values(shards).reduce((a, s) => a + f(s), 0);
  const replica = total((s) => s.readsReplica);
  const primary = total((s) => s.readsPrimary);
  return {
    reads: { replica, primary, share: share(replica, primary) },
    byShard,
    byOperation: Object.fromEntries(
      Object.entries(ops)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, o]) => [
          name,
          {
            replica: o.replica,
            primary: o.primary,
            replicaMeanMs: o.replica > 0 ? (o.rSum / o.replica) * 1000 : Number.NaN,
            primaryMeanMs: o.primary > 0 ? (o.pSum / o.primary) * 1000 : Number.NaN,
          },
        ]),
    ),
    primaryOperations: total((s) => s.primaryOperations),
    replayPosition: total((s) => s.replay),
  };
}

/** Requests the API service answered, by method, route and status, with its mean duration. */
export interface RouteCounts {
  readonly method: string;
  readonly route: string;
  readonly requests: number;
  readonly non2xx: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly meanMs: number;
}

/** Per-route counts of a metrics delta, from `http_requests_total` and the duration histogram. */
export function routeCounts(delta: readonly PromSample[]): RouteCounts[] {
  const routes = new Map<
    string,
    { method: string; route: string; statuses: Record<string, number> }
  >();
  for (const s of delta) {
    if (s.name !== 'http_requests_total' || s.value <= 0) continue;
    const { method = '?', route = '?', status = '?' } = s.labels;
    const key = `${method} ${route}`;
    const entry = routes.get(key) ?? { method, route, statuses: {} };
    entry.statuses[status] = (entry.statuses[status] ?? 0) + s.value;
    routes.set(key, entry);
  }
  const histogram = (name: string, method: string, route: string) =>
    delta.find((d) => d.name === name && d.labels.method === method && d.labels.route === route)
      ?.value ?? 0;
  return [...routes.values()]
    .map(({ method, route, statuses }) => {
      const requests = Object.values(statuses).reduce((a, b) => a + b, 0);
      const n = histogram('http_request_duration_seconds_count', method, route);
      const seconds = histogram('http_request_duration_seconds_sum', method, route);
      return {
        method,
        route,
        requests,
        non2xx: Object.entries(statuses)
          .filter(([status]) => !status.startsWith('2'))
          .reduce((a, [, v]) => a + v, 0),
        statuses,
        meanMs: n > 0 ? (seconds / n) * 1000 : Number.NaN,
      };
    })
    .sort((a, b) => b.requests - a.requests);
}

/** Profile cache lookups (`cache_lookups_total{cache="profile"}`) of a metrics delta. */
export function profileCache(delta: readonly PromSample[]): {
  hit: number;
  miss: number;
  error: number;
} {
  const of = (result: string) =>
    delta.find(
      (s) =>
        s.name === 'cache_lookups_total' &&
        s.labels.cache === 'profile' &&
        s.labels.result === result,
    )?.value ?? 0;
  return { hit: of('hit'), miss: of('miss'), error: of('error') };
}
