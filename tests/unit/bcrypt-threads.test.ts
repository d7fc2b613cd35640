import { describe, expect, it } from 'vitest';
import { bcryptThreadsWithin } from '../../cdk8s/src/lib/service-definitions.js';

describe('bcryptThreadsWithin', () => {
  it('keeps one whole core of the limit for the event loop, and at least one thread', () => {
    expect(bcryptThreadsWithin('2')).toBe(1);
    expect(bcryptThreadsWithin('4')).toBe(3);
    expect(bcryptThreadsWithin(3)).toBe(2);
    expect(bcryptThreadsWithin('2500m')).toBe(1);
    expect(bcryptThreadsWithin('500m')).toBe(1);
  });

  it('refuses a container without a limit, and what is not a CPU quantity', () => {
    expect(() => bcryptThreadsWithin(undefined)).toThrow('needs a CPU limit');
    expect(() => bcryptThreadsWithin('two')).toThrow('not a CPU quantity');
    expect(() => bcryptThreadsWithin('0')).toThrow('not a CPU quantity');
  });
});
