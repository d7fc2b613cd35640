/**
 * Whether the process should receive traffic. Readiness turns false as soon as shutdown begins,
 * before the server stops accepting, so that the load balancer stops sending while in-flight
 * requests finish.
 */
export class Lifecycle {
  #shuttingDown = false;
  readonly #onShutdown: (() => void)[] = [];

  /** True once SIGTERM (or SIGINT) was received. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /**
   * Calls `listener` when shutdown begins (at once if it has): for background work that must stop
   * taking new jobs at the signal, while requests drain, rather than after the drain, when the
   * dependencies are closed. The listener must not throw; it may start work it does not await.
   */
  onShutdown(listener: () => void): void {
    if (this.#shuttingDown) listener();
    else this.#onShutdown.push(listener);
  }

  /** Marks the process as draining and tells the {@link onShutdown} listeners; irreversible. */
  beginShutdown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const listener of this.#onShutdown.splice(0)) listener();
  }
}
