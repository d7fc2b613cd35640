import { base32Decode } from '../../src/domain/base32.js';
import { timeStep, totpAt } from '../../src/domain/totp.js';

/**
 * An authenticator app for tests: the codes of a base32 seed, each of a later time step than the
 * last one it gave (the service accepts a step once), within the service's window of one step
 * either side of now. At most two codes per 30 s beyond the first: plan tests accordingly.
 */
export class TestAuthenticator {
  readonly #key: Buffer;
  #last = -1n;

  constructor(secret: string) {
    this.#key = base32Decode(secret);
  }

  /** A code the service has not seen yet. */
  next(): string {
    const now = timeStep(Date.now());
    const step = this.#last + 1n > now ? this.#last + 1n : now;
    if (step > now + 1n)
      throw new Error('no unused code within the window; wait for the next step');
    this.#last = step;
    return totpAt(this.#key, step);
  }

  /** The code last given (for replays). */
  last(): string {
    return totpAt(this.#key, this.#last);
  }

  /** The codes of the steps around now (two either side): any of them might be accepted. */
  window(): Set<string> {
    const now = timeStep(Date.now());
    return new Set([-2n, -1n, 0n, 1n, 2n].map((d) => totpAt(this.#key, now + d)));
  }

  /** Six digits that are no code of the window around now. */
  wrong(seed = 0): string {
    const valid = this.window();
    for (let n = seed; ; n++) {
      const candidate = String((n * 7919 + 123457) % 1_000_000).padStart(6, '0');
      if (!valid.has(candidate)) return candidate;
    }
  }
}
