/**
 * The client's types, checked by `npm run typecheck`: every `@ts-expect-error` below must be an
 * error, so a request the OpenAPI documents do not allow does not compile. Nothing is sent.
 */
import { describe, expect, it } from 'vitest';
import { createShardgateClient, type Schema, type ShardgateClient } from '../../src/index.js';

/** Never called: its body only has to compile (or fail to, where marked). */
async function typedCalls(client: ShardgateClient): Promise<void> {
  // @ts-expect-error email must be a string
  await client.send('POST', '/auth/register', { json: { email: 1, password: 'x' } });
  // @ts-expect-error a path with parameters needs them
  await client.send('GET', '/api/orders/{id}');
  // @ts-expect-error /auth/register has no GET
  await client.send('GET', '/auth/register');
  // @ts-expect-error cancelling takes a status of the document's enum
  await client.request('PATCH', '/api/orders/{id}', { params: { id: 'x' }, json: { status: 'x' } });

  const order = await client.send('GET', '/api/orders/{id}', { params: { id: 'x' } });
  if (order.status === 200) {
    const status: Schema<'OrderStatus'> = order.body.status;
    // @ts-expect-error the body of the 200 is an order, not a problem
    void order.body.code;
    void status;
  }
  if (order.status === 404) {
    const code: string = order.body.code;
    void code;
  }
  const token = await client.send('POST', '/auth/token', {
    auth: 'none',
    form: { grant_type: 'password', username: 'a@example.test', password: 'p' },
  });
  if (token.status === 200) {
    const access: string = token.body.access_token;
    void access;
  }
  const created = await client.api.orders.create({ items: [], currency: 'EUR' });
  const total: number = created.totalCents;
  void total;
}

describe('the typed surface', () => {
  it('compiles the calls the documents allow (npm run typecheck checks the rest)', () => {
    const client = createShardgateClient({ baseUrl: 'http://edge.test' });
    expect(typeof typedCalls).toBe('function');
    expect(client.baseUrl).toBe('http://edge.test');
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => createShardgateClient({ baseUrl: 'ftp://edge.test' })).toThrow(
      'must be http:// or https://',
    );
  });
});
