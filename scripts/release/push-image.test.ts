import { describe, expect, it } from 'vitest';
import { isLoopbackRegistry } from './push-image.js';

describe('isLoopbackRegistry', () => {
  it('accepts this machine only: 127.0.0.0/8, localhost, [::1], with or without a port', () => {
    for (const r of ['127.0.0.1:5000', '127.1.2.3', 'localhost', 'localhost:5000', '[::1]:5000'])
      expect(isLoopbackRegistry(r), r).toBe(true);
    for (const r of [
      'registry.example.com',
      '10.0.0.1:5000',
      '127.0.0.1.nip.io',
      'localhost.example.com',
    ])
      expect(isLoopbackRegistry(r), r).toBe(false);
  });
});
