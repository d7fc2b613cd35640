import { describe, expect, it } from 'vitest';
import { requestIdFrom } from '../../src/http/request-id.js';

describe('requestIdFrom', () => {
  it("keeps a well-formed id, such as nginx's 32 hex characters or a client's UUID", () => {
    for (const id of ['0123456789abcdef0123456789abcdef', 'e2e-1.2:3_x', 'a'.repeat(128)]) {
      expect(requestIdFrom(id)).toBe(id);
    }
  });

  it('maps a malformed id to the same hashed id every time, never echoing it', () => {
    for (const id of ['has space', 'a'.repeat(129), 'line\nbreak', 'ünïcode', '<script>']) {
      const mapped = requestIdFrom(id);
      expect(mapped).toMatch(/^x-[0-9a-f]{32}$/);
      expect(requestIdFrom(id)).toBe(mapped);
    }
    expect(requestIdFrom('has space')).not.toBe(requestIdFrom('has  space'));
  });

  it('makes a fresh UUID when there is no id', () => {
    const a = requestIdFrom(undefined);
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFrom('')).not.toBe(a);
  });
});
