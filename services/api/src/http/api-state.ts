import type { RequestState } from '@shardgate/shared';
import type { Caller } from '../domain/profiles.js';

/** The typed `ctx.state` of every API request. */
export interface ApiState extends RequestState {
  /** Set by `identify` on every `/api` route. */
  caller?: Caller;
}
