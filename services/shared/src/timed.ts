/**
 * Runs `fn` and hands its duration in seconds to `report`, whether it succeeded or threw: how
 * stores time their database operations for the metrics.
 */
export async function timed<T>(
  fn: () => Promise<T>,
  report: (seconds: number) => void,
): Promise<T> {
  const started = process.hrtime.bigint();
  try {
    return await fn();
  } finally {
    report(Number(process.hrtime.bigint() - started) / 1e9);
  }
}
