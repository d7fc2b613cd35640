import { type AccessClaims, type AccessTokens, type Role, TokenRejected } from './access-tokens.js';
import type { IdentityState } from './identity-state.js';

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

/**
 * Checks an access token completely: signature and claims (cached per token), then the current
 * state of its user and session (cached for a fraction of a second). Never throws for bad input.
 */
export async function resolveAccessToken(
  token: string | null,
  tokens: AccessTokens,
  state: IdentityState,
): Promise<Resolution> {
  if (token === null) return { outcome: 'invalid_token' };
  let claims: AccessClaims;
  try {
    claims = await tokens.verify(token);
  } catch (error) {
    if (error instanceof TokenRejected) return { outcome: 'invalid_token' };
    throw error;
  }
  const userId = Number(claims.sub);
  const { user, sessionMinGeneration } = await state.lookup(userId, claims.sid);
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
