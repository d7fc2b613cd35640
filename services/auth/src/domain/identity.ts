import { type AccessClaims, type AccessTokens, type Role, TokenRejected } from './access-tokens.js';
import type { IdentityLookup, IdentityState } from './identity-state.js';

/** Who is calling, as established from a verified, unrevoked access token. */
export interface Identity {
  readonly userId: number;
  readonly sessionId: string;
  /** Current values (not the token's), so a role change or new email takes effect at once. */
  readonly email: string;
  readonly role: Role;
  readonly active: boolean;
  /** True once the account proved it receives mail at `email` (current, like the rest). */
  readonly emailVerified: boolean;
  readonly claims: AccessClaims;
}

/** The outcome of checking a bearer token; `/verify` counts each kind. */
export type Resolution =
  | { readonly outcome: 'allowed'; readonly identity: Identity }
  | { readonly outcome: 'inactive'; readonly identity: Identity }
  | { readonly outcome: 'invalid_token' | 'revoked' };

const INVALID_TOKEN: Resolution = { outcome: 'invalid_token' };

/**
 * Checks an access token completely: signature and claims (cached per token), then the current
 * state of its user and session (cached for a fraction of a second). Never throws for bad input.
 *
 * When this process holds both the token's claims and that state, the answer comes at once, not
 * as a promise: `/verify` answers most checks that way, without a turn of the microtask queue.
 * Callers may `await` either.
 */
export function resolveAccessToken(
  token: string | null,
  tokens: AccessTokens,
  state: IdentityState,
): Resolution | Promise<Resolution> {
  if (token === null) return INVALID_TOKEN;
  const claims = tokens.cached(token);
  if (claims === undefined) return verifyAndResolve(token, tokens, state);
  const userId = Number(claims.sub);
  const current = state.cached(userId, claims.sid);
  return current
    ? resolveFrom(userId, claims, current)
    : state.lookup(userId, claims.sid).then((lookup) => resolveFrom(userId, claims, lookup));
}

async function verifyAndResolve(
  token: string,
  tokens: AccessTokens,
  state: IdentityState,
): Promise<Resolution> {
  let claims: AccessClaims;
  try {
    claims = await tokens.verify(token);
  } catch (error) {
    if (error instanceof TokenRejected) return INVALID_TOKEN;
    throw error;
  }
  const userId = Number(claims.sub);
  return resolveFrom(userId, claims, await state.lookup(userId, claims.sid));
}

/** The verdict on verified claims, given the current state of their user and session. */
function resolveFrom(userId: number, claims: AccessClaims, lookup: IdentityLookup): Resolution {
  const { user, sessionMinGeneration } = lookup;
  if (user === null) return { outcome: 'revoked' };
  const identity: Identity = {
    userId,
    sessionId: claims.sid,
    email: user.email,
    role: user.role,
    active: user.active,
    emailVerified: user.emailVerified,
    claims,
  };
  // a deactivated user's sessions are revoked too; they are told why (403), not just refused
  if (!user.active) return { outcome: 'inactive', identity };
  // a revoked session's minimum is Infinity; a finite one refuses pairs replaced by a retry
  return claims.gen < sessionMinGeneration
    ? { outcome: 'revoked' }
    : { outcome: 'allowed', identity };
}
