/** A shard map as configured: which shard owns which logical buckets. */
export interface ShardMapSpec {
  /** Bumped on every change of assignments; reported with every routing decision. */
  readonly version: number;
  /** Fixed number of logical buckets a user id maps onto (`userId mod buckets`). */
  readonly buckets: number;
  /** Per shard: `"even"`, `"odd"`, or a list of inclusive `[from, to]` bucket ranges. */
  readonly shards: Readonly<
    Record<string, 'even' | 'odd' | ReadonlyArray<readonly [number, number]>>
  >;
}

/** Where a user's data lives. */
export interface Placement {
  readonly userId: number;
  readonly bucket: number;
  readonly shard: string;
  readonly mapVersion: number;
}

/** Two shards, even user ids on shard0 and odd ones on shard1 (design §5). */
export const DEFAULT_SHARD_MAP: ShardMapSpec = {
  version: 1,
  buckets: 1024,
  shards: { shard0: 'even', shard1: 'odd' },
};

/** Thrown for a shard map that leaves a bucket unowned or gives one to two shards. */
export class ShardMapError extends Error {
  override readonly name = 'ShardMapError';
}

const SHARD_NAME = /^shard\d{1,3}$/;

/**
 * Routes user ids to shards: `userId mod buckets` picks a logical bucket, and the map assigns
 * buckets to physical shards. Adding a shard is a new map version that moves some buckets (and
 * their users' rows) to it; nobody else moves, unlike rehashing `userId mod shards`.
 * Taking the bucket as `userId mod buckets` keeps id parity, so the default map sends even ids to
 * shard0 and odd ids to shard1.
 */
export class ShardMap {
  readonly #owner: string[];

  /** @throws {@link ShardMapError} naming the first problem. */
  constructor(readonly spec: ShardMapSpec) {
    if (!Number.isInteger(spec.version) || spec.version < 1)
      throw new ShardMapError('version must be a positive integer');
    if (!Number.isInteger(spec.buckets) || spec.buckets < 1 || spec.buckets > 65_536) {
      throw new ShardMapError('buckets must be an integer from 1 to 65536');
    }
    const owner: Array<string | undefined> = new Array(spec.buckets).fill(undefined);
    for (const [shard, rule] of Object.entries(spec.shards)) {
      if (!SHARD_NAME.test(shard))
        throw new ShardMapError(`shard name "${shard}" must look like shard0, shard1, ...`);
      for (const bucket of bucketsOf(rule, spec.buckets, shard)) {
        if (owner[bucket] !== undefined)
          throw new ShardMapError(
            `bucket ${bucket} is assigned to both ${owner[bucket]} and ${shard}`,
          );
        owner[bucket] = shard;
      }
    }
    const orphan = owner.indexOf(undefined);
    if (orphan !== -1) throw new ShardMapError(`bucket ${orphan} is assigned to no shard`);
    this.#owner = owner as string[];
  }

  /** The shard names, in order. */
  get shardNames(): string[] {
    return Object.keys(this.spec.shards).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  }

  /** Where a user lives. */
  place(userId: number): Placement {
    const bucket = userId % this.spec.buckets;
    return { userId, bucket, shard: this.#owner[bucket] as string, mapVersion: this.spec.version };
  }
}

function bucketsOf(rule: ShardMapSpec['shards'][string], buckets: number, shard: string): number[] {
  if (rule === 'even' || rule === 'odd') {
    const start = rule === 'even' ? 0 : 1;
    return Array.from({ length: Math.ceil((buckets - start) / 2) }, (_, i) => start + 2 * i);
  }
  if (!Array.isArray(rule))
    throw new ShardMapError(`${shard}: expected "even", "odd" or a list of [from, to] ranges`);
  return rule.flatMap((range) => {
    const [from, to] = range;
    if (
      !Number.isInteger(from) ||
      !Number.isInteger(to) ||
      from < 0 ||
      to < from ||
      to >= buckets
    ) {
      throw new ShardMapError(`${shard}: range [${from}, ${to}] is not within 0..${buckets - 1}`);
    }
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
}
