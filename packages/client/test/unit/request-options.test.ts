/** How typed options become a request: path parameters, query, bodies. */
import { describe, expect, it } from 'vitest';
import { wireRequest } from '../../src/request-options.js';

describe('wireRequest', () => {
  it('puts path parameters in place, encoded', () => {
    const r = wireRequest('GET', '/api/orders/{id}', { params: { id: 'a/b c' } });
    expect(r.path).toBe('/api/orders/a%2Fb%20c');
  });

  it('fails naming a missing path parameter', () => {
    expect(() => wireRequest('GET', '/api/orders/{id}', {})).toThrow('no value for {id}');
  });

  it('adds the defined query parameters only', () => {
    const r = wireRequest('GET', '/api/orders', { query: { limit: 5, cursor: undefined } });
    expect(r.path).toBe('/api/orders?limit=5');
  });

  it('keeps a JSON body, a form body as strings, and headers', () => {
    expect(wireRequest('POST', '/x', { json: { a: 1 }, headers: { k: 'v' } })).toEqual({
      method: 'POST',
      path: '/x',
      json: { a: 1 },
      headers: { k: 'v' },
    });
    expect(wireRequest('POST', '/x', { form: { n: 1 } }).form).toEqual({ n: '1' });
  });
});
