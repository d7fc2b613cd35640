import { describe, expect, it } from 'vitest';
import { Lifecycle } from '../../src/lifecycle.js';

describe('Lifecycle', () => {
  it('tells its shutdown listeners once, when shutdown begins, and late ones at once', () => {
    const lifecycle = new Lifecycle();
    const heard: string[] = [];
    lifecycle.onShutdown(() => heard.push('first'));
    lifecycle.onShutdown(() => heard.push('second'));
    expect(heard).toEqual([]);
    expect(lifecycle.shuttingDown).toBe(false);
    lifecycle.beginShutdown();
    expect(lifecycle.shuttingDown).toBe(true);
    expect(heard).toEqual(['first', 'second']);
    lifecycle.beginShutdown();
    expect(heard).toEqual(['first', 'second']);
    lifecycle.onShutdown(() => heard.push('late'));
    expect(heard).toEqual(['first', 'second', 'late']);
  });
});
