import type { RequestState } from '@shardgate/shared';
import type { Caller } from '../domain/profiles.js';
import type { ShardStores } from '../domain/shards.js';

/** The typed `ctx.state` of every API request. */
export interface ApiState extends RequestState {
  /** Set by `identify` on every `/api` route. */
  caller?: Caller;
  /** The stores of the caller's shard, set with `caller`: the one placement of the request. */
  shard?: ShardStores;
}
