/**
 * Drift between `@shardgate/client`'s types and the running services: the OpenAPI documents the
 * services serve through the gateway generate exactly the types the build generated (the unit
 * test compares those with the files in the repository; this one with what is deployed).
 */
import { readFile } from 'node:fs/promises';
import { createShardgateClient, MemoryTokenStorage } from '@shardgate/client';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  generatedFile,
  generateTypes,
  TYPE_SOURCES,
} from '../../packages/client/codegen/generate-types.js';
import { newUser } from './support/users.js';

const stack = inject('stack');

/** Where each service serves its document at the gateway (the API's needs a token). */
const SERVED = { auth: '/auth/openapi.json', api: '/api/openapi.json' } as const;

describe.each(TYPE_SOURCES)('the client types of $document', (source) => {
  let served: unknown;
  beforeAll(async () => {
    const user = await newUser();
    const client = createShardgateClient({
      baseUrl: stack.gatewayUrl,
      storage: new MemoryTokenStorage(user),
    });
    served = await client.request('GET', SERVED[source.name]);
  });

  it(`are what the document served at ${SERVED[source.name]} generates`, async () => {
    const built = await readFile(generatedFile(source), 'utf8');
    expect(
      (await generateTypes(source, JSON.stringify(served))) === built,
      `the running ${source.name} service serves another document than the client's types come from`,
    ).toBe(true);
  });
});
