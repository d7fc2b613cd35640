/**
 * The OpenAPI documents as a contract, tried from outside: Schemathesis (pinned, fixed seed, a
 * bounded number of cases) over every operation of both documents, with all its checks, through
 * the test stack's gateway; the operations the gateway does not route (`/verify`, the probes) at
 * the service itself. A behaviour the documents accept as it is carries its reason in the
 * document (`x-shardgate-contract-notes`), and the fuzzer is configured from exactly those notes.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newClientAddress } from '../e2e/support/gateway-client.js';
import { jsonLogin, newUser } from '../e2e/support/users.js';
import { readContractNotes } from './support/contract-notes.js';
import { fuzzTargets } from './support/fuzz-targets.js';
import { runSchemathesis } from './support/schemathesis.js';
import { schemathesisConfig } from './support/schemathesis-config.js';
import { type SourceAddressProxy, sourceAddressProxy } from './support/source-address-proxy.js';

/** Changing it changes every case: a failure reported with this seed replays with it. */
const SEED = 20261204;
/** Cases per operation and phase; with one worker both documents take about two minutes. */
const MAX_EXAMPLES = 25;
const RUN_TIMEOUT_MS = 150_000;

const stack = inject('stack');
let gateway: SourceAddressProxy;
let headers: Record<string, string>;
let operationHeaders: Record<string, Record<string, string>>;

beforeAll(async () => {
  gateway = await sourceAddressProxy(stack.gatewayUrl, newClientAddress());
  const user = await newUser();
  // logout and logout-all end sessions: each gets one of its own, or every later case would be 401
  const second = await jsonLogin(user);
  const other = await newUser();
  headers = { Authorization: `Bearer ${user.accessToken}` };
  operationHeaders = {
    logout: { Authorization: `Bearer ${second.accessToken}` },
    logoutAll: { Authorization: `Bearer ${other.accessToken}` },
  };
});

afterAll(async () => {
  await gateway?.close();
});

/** The failures of a run, as Schemathesis prints them: enough to act on without the report. */
function failures(output: string): string {
  const start = output.indexOf('FAILURES');
  return (start >= 0 ? output.slice(start) : output).slice(-20_000);
}

describe('the contract fuzzer', () => {
  for (const target of fuzzTargets()) {
    for (const throughGateway of [true, false]) {
      const where = throughGateway ? 'through the gateway' : 'at the service (not routed)';
      it(
        `finds nothing in services/${target.service}/openapi.json ${where}`,
        async () => {
          const notes = readContractNotes(target.document);
          const config = schemathesisConfig({
            notes,
            throughGateway,
            seed: SEED,
            maxExamples: MAX_EXAMPLES,
            headers,
            operationHeaders,
          });
          const result = await runSchemathesis({
            document: target.document,
            baseUrl: throughGateway
              ? gateway.url
              : target.service === 'auth'
                ? stack.authUrl
                : stack.apiUrl,
            config,
            ...(throughGateway
              ? { excludePaths: target.servicePaths }
              : { includePaths: target.servicePaths }),
            reportDir: join(
              stack.dir,
              'contract',
              `${target.service}-${throughGateway ? 'gateway' : 'service'}`,
            ),
            timeoutMs: RUN_TIMEOUT_MS,
          });
          console.log(
            `[contract] ${target.service} ${where}: exit ${result.exitCode} in ${result.durationMs} ms`,
          );
          expect(result.exitCode, failures(result.output)).toBe(0);
        },
        RUN_TIMEOUT_MS + 10_000,
      );
    }
  }
});
