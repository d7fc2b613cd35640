import { describe, expect, it } from 'vitest';
import { inLanes, shareInFlight } from './in-flight.js';

/** A promise with its resolve and reject, to finish runs in the order a test chooses. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('shareInFlight', () => {
  it('starts one run per key while it is in flight, and a new one once it has settled', async () => {
    let starts = 0;
    const gate = deferred<string>();
    const start = () => {
      starts += 1;
      return gate.promise;
    };
    const first = shareInFlight('entry-a', start);
    const second = shareInFlight('entry-a', start);
    const other = shareInFlight('entry-b', () => Promise.resolve('b'));
    expect(starts).toBe(1);
    gate.resolve('a');
    expect(await Promise.all([first, second, other])).toEqual(['a', 'a', 'b']);
    await shareInFlight('entry-a', () => Promise.resolve('again'));
    expect(starts).toBe(1);
    expect(await shareInFlight('entry-a', start)).toBe('a');
    expect(starts).toBe(2);
  });

  it('forgets a failed run, so the next call tries again', async () => {
    await expect(shareInFlight('entry-c', () => Promise.reject(new Error('no')))).rejects.toThrow(
      'no',
    );
    expect(await shareInFlight('entry-c', () => Promise.resolve('yes'))).toBe('yes');
  });
});

describe('inLanes', () => {
  it('runs the lanes at the same time and returns their results in lane order', async () => {
    const slow = deferred<number>();
    const order: string[] = [];
    const lanes = inLanes([
      async () => {
        order.push('first started');
        return slow.promise;
      },
      async () => {
        order.push('second started');
        return 'second';
      },
    ]);
    await Promise.resolve();
    expect(order).toEqual(['first started', 'second started']);
    slow.resolve(1);
    expect(await lanes).toEqual([1, 'second']);
  });

  it('waits for every lane before failing with the error of the one that failed', async () => {
    const slow = deferred<string>();
    let slowEnded = false;
    const lanes = inLanes([
      () => Promise.reject(new Error('the Go build failed')),
      async () => {
        const value = await slow.promise;
        slowEnded = true;
        return value;
      },
    ]);
    let settled = false;
    lanes
      .catch(() => {})
      .finally(() => {
        settled = true;
      });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    slow.resolve('done');
    await expect(lanes).rejects.toThrow('the Go build failed');
    expect(slowEnded).toBe(true);
  });

  it('reports every failure when several lanes fail', async () => {
    const lanes = inLanes([
      () => Promise.reject(new Error('a')),
      () => Promise.reject(new Error('b')),
    ]);
    await expect(lanes).rejects.toMatchObject({ errors: [new Error('a'), new Error('b')] });
  });
});
