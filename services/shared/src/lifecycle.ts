/**
 * Whether the process should receive traffic. Readiness turns false as soon as shutdown begins,
 * before the server stops accepting, so that the load balancer stops sending while in-flight
 * requests finish.
 */
export class Lifecycle {
  #shuttingDown = false;

  /** True once SIGTERM (or SIGINT) was received. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Marks the process as draining; irreversible. */
  beginShutdown(): void {
    this.#shuttingDown = true;
  }
}
