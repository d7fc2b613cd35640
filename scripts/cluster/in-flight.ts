/**
 * Concurrency for the cluster's builds: two lanes at a time, and one build per cache entry.
 * @packageDocumentation
 */

const inFlight = new Map<string, Promise<unknown>>();

/**
 * Runs `start` for `key` unless a run for the same key is already in flight in this process, in
 * which case that run's promise is returned. Builds that fill one cache entry (a Go build, an
 * image archive) are asked for from several lanes at once (the service images and the stand-ins
 * both need the Node base); without this, both would build it, into the same scratch folder.
 */
export function shareInFlight<T>(key: string, start: () => Promise<T>): Promise<T> {
  const running = inFlight.get(key);
  if (running) return running as Promise<T>;
  const run = start().finally(() => inFlight.delete(key));
  inFlight.set(key, run);
  return run;
}

/** The results of {@link inLanes}, lane by lane. */
export type LaneResults<T extends readonly unknown[]> = { -readonly [K in keyof T]: Awaited<T[K]> };

/**
 * Runs each lane (a sequence of builds) at the same time as the others and returns their results
 * in order. On these 2-core machines a Go build leaves a core idle while it downloads modules and
 * links, which the other lane's compiling or an image build's downloads fill: a cold `up` and
 * `deploy` take minutes less than one build after the other. Waits for every lane to end before
 * failing, so that no build goes on writing into the cache after the command has given up.
 */
export async function inLanes<T extends readonly unknown[]>(
  lanes: {
    readonly [K in keyof T]: () => Promise<T[K]>;
  },
): Promise<LaneResults<T>> {
  const settled = await Promise.allSettled(lanes.map((lane) => lane()));
  const failures = settled.flatMap((result) =>
    result.status === 'rejected' ? [result.reason] : [],
  );
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, 'several builds failed');
  return settled.map(
    (result) => (result as PromiseFulfilledResult<unknown>).value,
  ) as LaneResults<T>;
}
