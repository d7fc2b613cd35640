import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bodyBytes, contentType } from '../../../../tests/support/hostile-arbitraries.js';
import type { Hostile, Outcome } from '../../../../tests/support/hostile-bodies.js';
import {
  type Answer,
  expectProblem,
  notAProblem,
  type Probe,
  sendProbe,
  serverErrorFor,
  serverErrors,
} from '../../../../tests/support/problem-probes.js';
import { type AccountFootprint, accountFootprint, mailsTo } from '../support/account-footprint.js';
import {
  type ChallengeMaterial,
  challengeMaterial,
  type EnrolmentMaterial,
  enrolmentMaterial,
  type LinkMaterial,
  linkMaterial,
  NEW_PASSWORD,
  roleMaterial,
} from '../support/account-material.js';
import {
  call,
  newUser,
  randomIp,
  startAuthServer,
  type TestAuthServer,
  type TestUser,
} from '../support/auth-server.js';
import { undocumented } from '../support/documented-answers.js';
import { enrolmentBody } from '../support/enrolment.js';
import { mapLimit } from '../support/hostile-tokens.js';
import { mailEnv, uniqueAddress } from '../support/mail-env.js';
import { mfaToken, secondStep } from '../support/mfa-flows.js';
import { bearer, type CaseMaterial, caseMaterialFor } from '../support/token-surgery.js';
import { CHALLENGE, send as sendCredentials } from '../support/verify-requests.js';
import {
  bodyFor,
  codeLike,
  emailLike,
  notAUserId,
  passwordLike,
  tokenLike,
} from './account-hostile.arbitraries.js';
import {
  confirmTotpCorpus,
  disableTotpCorpus,
  enrolTotpCorpus,
  hostileUserIds,
  loginMfaCorpus,
  NO_SUCH_USER,
  NO_TOKEN,
  NOT_ADMIN,
  resetConfirmCorpus,
  resetRequestCorpus,
  verifyEmailCorpus,
} from './account-hostile.corpus.js';
import { HEADER_CASES } from './verify-hostile-headers.corpus.js';
import { TOKEN_CASES } from './verify-hostile-tokens.corpus.js';

// Acceptance (issue 14, 5): hostile input on every new endpoint of the account lifecycle (email
// verification, password reset, TOTP MFA, the admin's MFA reset) is answered 4xx with the
// service's problem body, never 5xx, with a status and code the OpenAPI document lists for the
// operation, and writes nothing. The named corpus (account-hostile.corpus.ts) states the exact
// answer of each case and is made from live material (real link tokens read from the mail, a
// real login challenge, a pending enrolment), so that a case wrongly accepted would change a real
// account: the suite compares each account's rows before and after, and at the end proves the
// material was live by using it. Generated input (account-hostile.arbitraries.ts, fast-check)
// adds 1,000 requests that must never get a 5xx.

let server: TestAuthServer;
let links: LinkMaterial;
let challenge: ChallengeMaterial;
let enrolment: EnrolmentMaterial;
let roles: { admin: TestUser; inactive: TestUser };
/** The live session the credential corpus of /verify's suite is made from. */
let m: CaseMaterial;
/** Rows of each account of the material, before any hostile request. */
const before = new Map<string, AccountFootprint>();
const attacker = uniqueAddress('attacker');

const snapshot = async (user: TestUser) => accountFootprint(user.id, user.email);
const footprints = () => [links.user, challenge.user, enrolment.user, m.user, roles.admin];

beforeAll(async () => {
  server = await startAuthServer(mailEnv());
  const mailpit = inject('stack').mailpitUrl;
  links = await linkMaterial(server, mailpit);
  challenge = await challengeMaterial(server.url, links.verifyToken);
  enrolment = await enrolmentMaterial(server.url);
  roles = await roleMaterial(server);
  m = caseMaterialFor(server.url, await newUser(server.url));
  for (const user of footprints()) before.set(user.id, await snapshot(user));
}, 120_000);
afterAll(async () => {
  await server?.close();
});

/** Expects each account of the material to have exactly the rows it had before the corpus. */
async function expectUnchanged(...users: TestUser[]): Promise<void> {
  await server.deps.passwordReset.settle();
  for (const user of users)
    expect(await snapshot(user), `account ${user.id}`).toEqual(before.get(user.id));
}

/** Expects `answer` to be a problem of exactly `outcome` that the OpenAPI document lists. */
function expectRefused(answer: Answer, label: string, outcome: Outcome, route: Route): void {
  expectProblem(answer, label, outcome.status, outcome.code);
  expect(undocumented(route.method, route.doc, answer.status, answer.body?.code), label).toBeNull();
}

/** An endpoint: how to call it and how the OpenAPI document names it. */
interface Route {
  readonly method: string;
  readonly path: () => string;
  readonly doc: string;
}
const route = (method: string, doc: string, path: () => string = () => doc): Route => ({
  method,
  path,
  doc,
});
const VERIFY_EMAIL = route('POST', '/auth/email/verify');
const ASK_VERIFICATION = route('POST', '/auth/email/verification');
const ASK_RESET = route('POST', '/auth/password/reset');
const RESET = route('POST', '/auth/password/reset/confirm');
const ENROL = route('POST', '/auth/mfa/totp');
const CONFIRM = route('POST', '/auth/mfa/totp/confirm');
const DISABLE = route('DELETE', '/auth/mfa/totp');
const LOGIN_MFA = route('POST', '/auth/login/mfa');
const RESET_MFA = route(
  'DELETE',
  '/auth/users/{id}/mfa',
  () => `/auth/users/${challenge.user.id}/mfa`,
);
/** The new endpoints that need a signed-in caller. */
const SIGNED_IN = [ASK_VERIFICATION, ENROL, CONFIRM, DISABLE, RESET_MFA];

/** Sends `c` to `r` as `token`'s holder, from a fresh client address unless `c` names one. */
const probe = (r: Route, c: Omit<Probe, 'method' | 'path'>, token?: string): Promise<Answer> =>
  sendProbe(server, {
    method: r.method,
    path: r.path(),
    ...c,
    headers: { 'x-forwarded-for': randomIp(), ...c.headers },
    ...(token === undefined ? {} : { token }),
  });

// --- who may call ---------------------------------------------------------------------------

describe('the signed-in endpoints refuse every credential but a live session of an allowed user', () => {
  const CREDENTIALS = [
    ...TOKEN_CASES.map((c) => ({
      name: `Bearer ${c.name}`,
      credentials: (material: CaseMaterial) => bearer(c.token(material)),
    })),
    ...HEADER_CASES,
  ];

  it('let in the session the corpus is forged from, and a forged copy of its token', async () => {
    for (const token of [m.valid, m.forged]) {
      // past authentication, confirming an enrolment that does not exist fails on the body
      const answer = await probe(CONFIRM, {}, token);
      expectRefused(answer, 'no body', { status: 415, code: 'unsupported_media_type' }, CONFIRM);
    }
  });

  it.each(SIGNED_IN.map((r) => [`${r.method} ${r.doc}`, r] as const))(
    '%s answers 401 invalid_token to the whole /verify credential corpus',
    async (_name, r) => {
      await mapLimit(CREDENTIALS, 4, async ({ name, credentials }) => {
        const answer = await sendCredentials(server.url, credentials(m), {
          method: r.method,
          path: r.path(),
        });
        const label = `${r.method} ${r.doc}: ${name}`;
        expect(answer.status, label).toBe(NO_TOKEN.status);
        expect(answer.header('content-type'), label).toContain('application/problem+json');
        expect(answer.header('www-authenticate'), label).toBe(CHALLENGE);
        expect(JSON.parse(answer.body).code, label).toBe(NO_TOKEN.code);
        expect(undocumented(r.method, r.doc, 401, NO_TOKEN.code), label).toBeNull();
      });
    },
  );

  it.each(SIGNED_IN.map((r) => [`${r.method} ${r.doc}`, r] as const))(
    '%s answers 403 user_inactive to a deactivated account’s live token',
    async (_name, r) => {
      const answer = await probe(r, { body: '{}' }, roles.inactive.accessToken);
      expectRefused(answer, 'deactivated', { status: 403, code: 'user_inactive' }, r);
    },
  );

  it('the admin’s MFA reset answers 403 forbidden to a user who is no admin, for any id', async () => {
    for (const { name, path } of [
      { name: 'a real id', path: RESET_MFA.path() },
      ...hostileUserIds(challenge.user.id),
    ]) {
      const answer = await probe(
        { ...RESET_MFA, path: () => path },
        {},
        challenge.user.accessToken,
      );
      expectRefused(answer, name, NOT_ADMIN, RESET_MFA);
    }
  });

  it('wrote nothing for any account', async () => {
    await expectUnchanged(...footprints());
  });
});

// --- the named body corpus ------------------------------------------------------------------

/** Placeholders of live material, so that the cases can be named before the material exists. */
const P = 'A'.repeat(43);
const PF = { access: 'a.b.c', refresh: P, otherPurpose: P, used: P };
const PU = { id: '1', email: 'user@example.com' };

/** `it.each` rows `[name, index]` of a corpus, named from its placeholder build. */
const rows = (cases: Hostile[]) => cases.map((c, i) => [c.name, i] as const);

/** One endpoint's named corpus: built from the live material, sent as `token`, on `r`. */
function corpusSuite(
  title: string,
  r: Route,
  build: () => Hostile[],
  placeholder: Hostile[],
  token: () => string | undefined,
  owners: () => TestUser[],
): void {
  describe(title, () => {
    let cases: Hostile[] = [];
    beforeAll(() => {
      cases = build();
      expect(cases.map((c) => c.name)).toEqual(placeholder.map((c) => c.name));
    });

    it.each(rows(placeholder))('%s', async (_name, i) => {
      const c = cases[i] as Hostile;
      const { name, status, code, ...request } = c;
      expectRefused(await probe(r, request, token()), name, { status, code }, r);
    });

    it('wrote nothing', async () => {
      await expectUnchanged(...owners());
    });
  });
}

corpusSuite(
  'POST /auth/email/verify refuses hostile input and verifies nothing',
  VERIFY_EMAIL,
  () => verifyEmailCorpus(links.verifyToken, links.foreignForVerify),
  verifyEmailCorpus(P, PF),
  () => undefined,
  () => [links.user],
);

corpusSuite(
  'POST /auth/password/reset refuses hostile input and mails nothing',
  ASK_RESET,
  () => resetRequestCorpus(links.user.email, attacker),
  resetRequestCorpus(PU.email, attacker),
  () => undefined,
  () => [links.user],
);

corpusSuite(
  'POST /auth/password/reset/confirm refuses hostile input and changes no password',
  RESET,
  () => resetConfirmCorpus(links.resetToken, NEW_PASSWORD, links.user, links.foreignForReset),
  resetConfirmCorpus(P, NEW_PASSWORD, PU, PF),
  () => undefined,
  () => [links.user],
);

corpusSuite(
  'POST /auth/mfa/totp refuses hostile input and starts no enrolment',
  ENROL,
  () => enrolTotpCorpus(enrolmentBody(m.user.password)),
  enrolTotpCorpus(enrolmentBody(P)),
  () => m.user.accessToken,
  () => [m.user],
);

corpusSuite(
  'POST /auth/mfa/totp/confirm refuses hostile input and turns nothing on',
  CONFIRM,
  () =>
    confirmTotpCorpus(enrolment.authenticator.wrong(), challenge.user.recoveryCodes[0] as string),
  confirmTotpCorpus('000000', 'AAAA-BBBB-CCCC-DDDD'),
  () => enrolment.user.accessToken,
  () => [enrolment.user],
);

corpusSuite(
  'DELETE /auth/mfa/totp refuses hostile input and turns nothing off',
  DISABLE,
  () => disableTotpCorpus(challenge.wrongCode, challenge.user.recoveryCodes[0] as string),
  disableTotpCorpus('000000', 'AAAA-BBBB-CCCC-DDDD'),
  () => challenge.user.accessToken,
  () => [challenge.user],
);

corpusSuite(
  'POST /auth/login/mfa refuses hostile input, logs nobody in and spends no attempt',
  LOGIN_MFA,
  () =>
    loginMfaCorpus(
      challenge.mfaToken,
      challenge.wrongCode,
      challenge.user.recoveryCodes[0] as string,
      challenge.foreign,
    ),
  loginMfaCorpus(P, '000000', 'AAAA-BBBB-CCCC-DDDD', PF),
  () => undefined,
  () => [challenge.user],
);

describe('DELETE /auth/users/:id/mfa answers 404 to every id that is no user’s, and resets nothing', () => {
  it.each(hostileUserIds('12345').map((c, i) => [c.name, i] as const))('%s', async (_name, i) => {
    const { name, path } = hostileUserIds(challenge.user.id)[i] as { name: string; path: string };
    const answer = await probe({ ...RESET_MFA, path: () => path }, {}, roles.admin.accessToken);
    expectRefused(answer, `${name}: ${path.slice(0, 120)}`, NO_SUCH_USER, RESET_MFA);
  });

  it('left the user’s MFA on', async () => {
    await expectUnchanged(challenge.user, roles.admin);
  });
});

// --- generated input ------------------------------------------------------------------------

/** Checks one generated answer: below 500; a 4xx problem+json the OpenAPI document lists. */
function checkGenerated(
  answer: Answer,
  r: Route,
  label: () => string,
  allowed: number[] = [],
): void {
  if (answer.status >= 500)
    throw new Error(
      `${answer.status} for ${label()}\n${answer.text.slice(0, 300)}\n${serverErrorFor(answer)}`,
    );
  if (allowed.includes(answer.status)) return;
  const why =
    notAProblem(answer) ?? undocumented(r.method, r.doc, answer.status, answer.body?.code);
  if (why) throw new Error(`${why} for ${label()}: ${answer.text.slice(0, 300)}`);
}

const show = (value: string) =>
  value.length > 300 ? `${value.slice(0, 300)}… (${value.length} chars)` : value;

/** How many generated requests ran, by property: the total must reach 1,000. */
const generated = new Map<string, number>();
const count = (name: string) => generated.set(name, (generated.get(name) ?? 0) + 1);

/** A body not containing any code `authenticator` would accept now (a guess may not be right). */
const noLiveCode = (body: string, window: Set<string>) =>
  ![...window].some((c) => body.includes(c));

/** A second MFA user and a second pending enrolment: the generated input spends their attempts. */
let mfa: ChallengeMaterial;
let pending: EnrolmentMaterial;

describe.concurrent('generated input never gets a 5xx', () => {
  let logsBefore = 0;
  beforeAll(async () => {
    mfa = await challengeMaterial(server.url, links.verifyToken);
    pending = await enrolmentMaterial(server.url);
    before.set(mfa.user.id, await snapshot(mfa.user));
    before.set(pending.user.id, await snapshot(pending.user));
    logsBefore = server.logs.length;
  }, 60_000);

  /** Runs `runs` generated bodies for `r`, sent with `token`. */
  const bodies = (
    name: string,
    r: Route,
    body: fc.Arbitrary<string>,
    runs: number,
    options: { token?: () => string; allowed?: number[]; window?: () => Set<string> } = {},
  ) =>
    fc.assert(
      fc.asyncProperty(body, async (text) => {
        if (options.window) fc.pre(noLiveCode(text, options.window()));
        count(name);
        const answer = await probe(r, { body: text }, options.token?.());
        checkGenerated(answer, r, () => `${r.method} ${r.doc} ${show(text)}`, options.allowed);
      }),
      { numRuns: runs },
    );

  it('verification link bodies', async () => {
    await bodies('verify', VERIFY_EMAIL, bodyFor({ token: tokenLike }), 150);
  });

  it('reset request bodies (a well-formed address gets the same empty 202)', async () => {
    await bodies('ask reset', ASK_RESET, bodyFor({ email: emailLike }), 150, { allowed: [202] });
  });

  it('reset bodies', async () => {
    await bodies('reset', RESET, bodyFor({ token: tokenLike, password: passwordLike }), 150);
  });

  it('confirmation bodies', async () => {
    await bodies('confirm', CONFIRM, bodyFor({ code: codeLike, recovery_code: codeLike }), 100, {
      token: () => pending.user.accessToken,
      window: () => pending.authenticator.window(),
    });
  });

  it('bodies turning MFA off', async () => {
    await bodies('disable', DISABLE, bodyFor({ code: codeLike, recovery_code: codeLike }), 100, {
      token: () => mfa.user.accessToken,
      window: () => mfa.user.authenticator.window(),
    });
  });

  it('second steps of a login, on a live challenge and others', async () => {
    const token = fc.oneof(fc.constant(mfa.mfaToken), tokenLike);
    const body = bodyFor({ mfa_token: token, code: codeLike, recovery_code: codeLike });
    await bodies('login mfa', LOGIN_MFA, body, 150, {
      window: () => mfa.user.authenticator.window(),
    });
  });

  it('ids of the admin’s MFA reset', async () => {
    await fc.assert(
      fc.asyncProperty(notAUserId, async (id) => {
        count('user ids');
        const path = `/auth/users/${id}/mfa`;
        const answer = await probe({ ...RESET_MFA, path: () => path }, {}, roles.admin.accessToken);
        checkGenerated(answer, RESET_MFA, () => `DELETE ${show(path)}`);
        if (answer.status !== 404) throw new Error(`${answer.status} for DELETE ${path}`);
      }),
      { numRuns: 100 },
    );
  });

  it('arbitrary bytes under arbitrary content types, on every endpoint with a body', async () => {
    const routes = [VERIFY_EMAIL, ASK_RESET, RESET, CONFIRM, LOGIN_MFA];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        bodyBytes,
        contentType,
        async (r, bytes, type) => {
          count('bytes');
          const answer = await probe(r, { body: bytes, type }, pending.user.accessToken);
          checkGenerated(
            answer,
            r,
            () => `${r.doc} type=${type} ${show(bytes.toString('latin1'))}`,
            [202],
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  afterAll(() => {
    expect(serverErrors(server.logs.slice(logsBefore))).toEqual([]);
  });
});

describe('after the generated input', () => {
  it('ran at least 1,000 generated requests', () => {
    const total = [...generated.values()].reduce((a, b) => a + b, 0);
    expect(total, JSON.stringify(Object.fromEntries(generated))).toBeGreaterThanOrEqual(1000);
  });

  it('changed no account of the material, and mailed nobody it named', async () => {
    await expectUnchanged(links.user, challenge.user, enrolment.user, m.user, roles.admin);
    await expectUnchanged(pending.user);
    expect(await mailsTo(attacker)).toBe(0);
  });

  it('logged nobody in with a generated second step, nor turned MFA off or on', async () => {
    // the guesses on the live challenge count its attempts, nothing else changed
    const { challenges: _spent, ...rest } = await snapshot(mfa.user);
    const { challenges: _before, ...then } = before.get(mfa.user.id) as AccountFootprint;
    expect(rest).toEqual(then);
  });
});

// --- the material was live ------------------------------------------------------------------

describe('after all of it', () => {
  it('logged no server error and polluted no prototype', () => {
    expect(serverErrors(server.logs)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(Object.prototype, 'token')).toBe(false);
  });

  it('the verification link still verifies, and the reset link still resets', async () => {
    const verified = await call(server.url, 'POST', '/auth/email/verify', {
      json: { token: links.verifyToken },
    });
    expect(verified.status, verified.text).toBe(204);
    const reset = await call(server.url, 'POST', '/auth/password/reset/confirm', {
      json: { token: links.resetToken, password: NEW_PASSWORD },
    });
    expect(reset.status, reset.text).toBe(204);
  });

  it('the challenge was never used up: its right code logs in', async () => {
    const code = challenge.user.authenticator.next();
    const done = await secondStep(server.url, { mfa_token: challenge.mfaToken, code });
    expect(done.status, done.text).toBe(200);
    // and with the next challenge, an unused recovery code still works once
    const next = await mfaToken(server.url, challenge.user);
    const recovery = challenge.user.recoveryCodes[0] as string;
    expect(
      (await secondStep(server.url, { mfa_token: next, recovery_code: recovery })).status,
    ).toBe(200);
  });

  it('the enrolment still confirms, and the admin still resets MFA', async () => {
    const confirmed = await call(server.url, 'POST', '/auth/mfa/totp/confirm', {
      token: enrolment.user.accessToken,
      json: { code: enrolment.authenticator.next() },
    });
    expect(confirmed.status, confirmed.text).toBe(200);
    const reset = await call(server.url, 'DELETE', RESET_MFA.path(), {
      token: roles.admin.accessToken,
    });
    expect(reset.status, reset.text).toBe(204);
  });
});
