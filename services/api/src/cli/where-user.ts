#!/usr/bin/env node
/**
 * `where-user <userId>...`: prints the bucket and shard each user lives on under the configured
 * shard map (SHARD_MAP, or the default two-shard map). Needs no database.
 */
import { DEFAULT_SHARD_MAP, ShardMap, type ShardMapSpec } from '../sharding/shard-map.js';

function main(argv: string[]): number {
  const ids = argv.map(Number);
  if (
    argv.length === 0 ||
    ids.some((id) => !Number.isInteger(id) || id < 1 || id > 2_147_483_647)
  ) {
    console.error(
      'usage: where-user <userId> [<userId>...]   (SHARD_MAP from the environment, if set)',
    );
    return 2;
  }
  let map: ShardMap;
  try {
    map = new ShardMap(
      process.env.SHARD_MAP
        ? (JSON.parse(process.env.SHARD_MAP) as ShardMapSpec)
        : DEFAULT_SHARD_MAP,
    );
  } catch (error) {
    console.error(`SHARD_MAP: ${(error as Error).message}`);
    return 1;
  }
  for (const id of ids) {
    const p = map.place(id);
    console.log(
      `user ${p.userId}: bucket ${p.bucket} of ${map.spec.buckets} -> ${p.shard} (shard map v${p.mapVersion})`,
    );
  }
  return 0;
}

process.exit(main(process.argv.slice(2)));
