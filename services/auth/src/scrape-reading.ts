/**
 * A reading for the gauges of one scrape (prom-client collects them at once): concurrent callers
 * share one call of `read`, and none is kept after it, so every scrape sees the present. A failed
 * read gives undefined: a scrape must not fail because the database does not answer, and the
 * gauges keep their last values.
 */
export function scrapeReading<T>(read: () => Promise<T>): () => Promise<T | undefined> {
  let inFlight: Promise<T | undefined> | undefined;
  return () => {
    inFlight ??= read()
      .catch(() => undefined)
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}
