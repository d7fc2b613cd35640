import type { ShardMap } from '../sharding/shard-map.js';
import { OrdersStore } from '../store/orders-store.js';
import { ProfilesStore } from '../store/profiles-store.js';
import type { ShardDatabase } from '../store/shard-database.js';

/** The stores of one shard. */
export interface ShardStores {
  readonly name: string;
  readonly database: ShardDatabase;
  readonly orders: OrdersStore;
  readonly profiles: ProfilesStore;
}

/**
 * Finds the stores of the shard a user lives on. Asked once per request, by `identify`, which
 * hands the answer on in `ctx.state.shard`: nothing else in a request places the user.
 */
export class Shards {
  readonly #map: ShardMap;
  readonly #byName: Map<string, ShardStores>;

  constructor(map: ShardMap, databases: readonly ShardDatabase[]) {
    this.#map = map;
    this.#byName = new Map(
      databases.map((database) => [
        database.name,
        {
          name: database.name,
          database,
          orders: new OrdersStore(database),
          profiles: new ProfilesStore(database),
        },
      ]),
    );
  }

  /** The shard of a user, per the shard map. */
  of(userId: number): ShardStores {
    const { shard } = this.#map.place(userId);
    const stores = this.#byName.get(shard);
    if (!stores) throw new Error(`shard ${shard} has no database configured`);
    return stores;
  }

  /** Every shard's stores (to close their connections). */
  get all(): ShardStores[] {
    return [...this.#byName.values()];
  }
}
