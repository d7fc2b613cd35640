/**
 * The auth service's flows as methods. The ones that issue tokens store them; `logout` and
 * `logoutAll` forget them; `refresh` is the session's single-flight refresh.
 */
import type { ShardgateClient } from './client.js';
import { MfaRequiredError, ProblemError } from './errors.js';
import type { Schema } from './operations.js';
import type { Session } from './session.js';
import type { TokenPair, TokenStorage } from './token-storage.js';

/** What the auth methods need of the client. */
export interface AuthMethodDeps {
  readonly send: ShardgateClient['send'];
  readonly request: ShardgateClient['request'];
  readonly session: Session;
  readonly storage: TokenStorage;
}

/** The password grant's fields other than `grant_type`. */
export type PasswordGrant = Omit<Schema<'PasswordGrantRequest'>, 'grant_type'>;

/** `client.auth`: see each method. */
export interface AuthMethods {
  /** `POST /auth/register`: creates an account (no login: sign in next). */
  register(body: Schema<'RegisterRequest'>): Promise<Schema<'User'>>;
  /**
   * `POST /auth/login` (JSON): signs in and stores the token pair.
   * @throws {@link MfaRequiredError} when the account has MFA on: finish with {@link loginMfa}.
   */
  login(body: Schema<'LoginRequest'>): Promise<Schema<'TokenResponse'>>;
  /** `POST /auth/login/mfa`: the second step of a login, with a TOTP or recovery code; stores the pair. */
  loginMfa(body: Schema<'MfaLoginRequest'>): Promise<Schema<'TokenResponse'>>;
  /** `POST /auth/token` with the OAuth 2.0 password grant (form-encoded); stores the pair. */
  passwordGrant(body: PasswordGrant): Promise<Schema<'TokenResponse'>>;
  /**
   * Spends the stored refresh token for a new pair, stores and returns it. Concurrent calls, and
   * the refreshes of refused requests, share one request to the auth service.
   */
  refresh(): Promise<TokenPair>;
  /** `POST /auth/logout`: ends this session at the auth service, then forgets its tokens. */
  logout(): Promise<void>;
  /** `POST /auth/logout-all`: ends every session of the user, then forgets this one's tokens. */
  logoutAll(): Promise<void>;
  /** `GET /auth/me`: the signed-in account. */
  me(): Promise<Schema<'User'>>;
  /** `POST /auth/mfa/totp`: starts a TOTP enrolment (the current password goes with it). */
  enrolTotp(body: Schema<'TotpEnrolmentRequest'>): Promise<Schema<'TotpEnrolment'>>;
  /** `POST /auth/mfa/totp/confirm`: turns MFA on with a first code; answers the recovery codes. */
  confirmTotp(body: Schema<'TotpConfirmRequest'>): Promise<Schema<'RecoveryCodes'>>;
  /** `DELETE /auth/mfa/totp`: turns MFA off with a TOTP or recovery code. */
  disableTotp(body: Schema<'SecondFactor'>): Promise<void>;
}

/** Builds `client.auth`. */
export function authMethods(deps: AuthMethodDeps): AuthMethods {
  const { send, request, session, storage } = deps;

  async function keep(tokens: Schema<'TokenResponse'>): Promise<Schema<'TokenResponse'>> {
    await storage.set({ accessToken: tokens.access_token, refreshToken: tokens.refresh_token });
    return tokens;
  }

  return {
    register: (body) => request('POST', '/auth/register', { auth: 'none', json: body }),

    async login(body) {
      const answer = await send('POST', '/auth/login', { auth: 'none', json: body });
      if (answer.status === 200) return keep(answer.body);
      if (answer.status === 401 && answer.body?.code === 'mfa_required') {
        const { mfa_token } = answer.body as Schema<'MfaRequiredProblem'>;
        throw new MfaRequiredError(answer, mfa_token);
      }
      throw new ProblemError(answer);
    },

    loginMfa: async (body) =>
      keep(await request('POST', '/auth/login/mfa', { auth: 'none', json: body })),

    passwordGrant: async (body) =>
      keep(
        await request('POST', '/auth/token', {
          auth: 'none',
          form: { grant_type: 'password', ...body },
        }),
      ),

    refresh: () => session.refresh(),

    async logout() {
      await request('POST', '/auth/logout');
      await storage.clear();
    },

    async logoutAll() {
      await request('POST', '/auth/logout-all');
      await storage.clear();
    },

    me: () => request('GET', '/auth/me'),
    enrolTotp: (body) => request('POST', '/auth/mfa/totp', { json: body }),
    confirmTotp: (body) => request('POST', '/auth/mfa/totp/confirm', { json: body }),
    async disableTotp(body) {
      await request('DELETE', '/auth/mfa/totp', { json: body });
    },
  };
}
