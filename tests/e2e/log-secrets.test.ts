import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { pgInstances } from '../../scripts/stack/postgres.js';
import { leaksIn, secretShapedIn } from '../../services/auth/test/support/log-leaks.js';
import {
  type Client,
  runSecretFlows,
  type SeenSecrets,
} from '../../services/auth/test/support/secret-flows.js';
import { eventually } from '../support/wait.js';
import { newClientAddress, send } from './support/gateway-client.js';
import { testStackLayout } from './support/stack-settings.js';

/**
 * Issue 14, acceptance 5, at the edge: every account flow through the gateway, then every log file
 * of the stack (the services', nginx's, Mailpit's, Redis's, Postgres's) searched for every secret
 * the client saw. The services' JSON logs are searched for TOTP codes as well.
 */

/** Each log file of the test stack and its text. */
function stackLogs(): Map<string, string> {
  const { layout } = testStackLayout();
  const dir = join(inject('stack').dir, 'logs');
  const files = [
    ...readdirSync(dir).map((f) => join(dir, f)),
    ...pgInstances(layout).map((pg) => pg.logFile),
  ].filter((f) => existsSync(f));
  return new Map(files.map((f) => [basename(f), readFileSync(f, 'utf8')]));
}

/** The services' own logs (JSON lines): where a code could be written as a value. */
const isServiceLog = (file: string) => /^(auth|api)\b.*\.log$/.test(file);

describe('the stack’s logs after the account flows', () => {
  it('hold none of the secrets the client saw', async () => {
    const from = newClientAddress();
    const client: Client = (method, path, request = {}) => send(method, path, { ...request, from });
    const seen = await runSecretFlows(client, inject('stack').mailpitUrl);

    // planted: request ids shaped like a token and like a code, which nginx and the services log
    // as given; once they show in the auth log, the lines before them are written too
    const planted: SeenSecrets = {
      values: new Map([[randomBytes(32).toString('base64url'), 'planted token']]),
      codes: new Set([String(randomInt(100_000, 1_000_000))]),
    };
    for (const id of [...planted.values.keys(), ...planted.codes])
      await send('GET', '/auth/me', { headers: { 'x-request-id': id }, from });
    await eventually(
      async () => leaksIn(stackLogs().get('auth.log') ?? '', planted, { codes: true }).length === 2,
      5_000,
      'the planted request ids in the auth log',
    );

    const logs = stackLogs();
    expect([...logs.keys()]).toEqual(
      expect.arrayContaining(['auth.log', 'api.log', 'nginx-access.log']),
    );
    const leaks = [...logs].flatMap(([file, text]) =>
      [
        ...leaksIn(text, seen, { codes: isServiceLog(file) }),
        ...(isServiceLog(file) ? secretShapedIn(text) : []),
      ].map((leak) => `${file}: ${leak}`),
    );
    expect(leaks).toEqual([]);
  });
});
