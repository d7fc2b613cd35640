import { registerServiceMetrics } from '@shardgate/shared';
import { Registry } from 'prom-client';

/**
 * Every metric of the API service, in one place; the rest of the code reports through these
 * methods and never imports prom-client. Served on METRICS_PORT.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly #common = registerServiceMetrics(this.registry);

  readonly observeRequest = this.#common.observeRequest;
  readonly dbOperation = this.#common.dbOperation;
  readonly profileCache = (result: string) => this.#common.cacheLookup('profile', result);
}
