import type { Lifecycle, Logger, Redis } from '@shardgate/shared';
import type { AuthConfig } from './config.js';
import type { AccessTokens } from './domain/access-tokens.js';
import type { Accounts } from './domain/accounts.js';
import type { EmailVerification } from './domain/email-verification.js';
import type { IdentityState } from './domain/identity-state.js';
import type { MailDelivery } from './domain/mail-delivery.js';
import type { MailOutbox } from './domain/mail-outbox.js';
import type { Mfa } from './domain/mfa.js';
import type { PasswordReset } from './domain/password-reset.js';
import type { Sessions } from './domain/sessions.js';
import type { SigningKeys } from './domain/signing-keys.js';
import type { HashProcess } from './hashing/hash-process.js';
import type { AuthMetrics } from './metrics.js';
import type { AuthDatabase } from './store/auth-database.js';

/** Everything the auth app is built from; made by `createAuthDeps`, passed to `createAuthApp`. */
export interface AuthDeps {
  readonly config: AuthConfig;
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly metrics: AuthMetrics;
  readonly db: AuthDatabase;
  readonly redis: Redis;
  /** The process bcrypt runs in (started on first use; stopped with the other dependencies). */
  readonly hashing: HashProcess;
  readonly keys: SigningKeys;
  readonly tokens: AccessTokens;
  readonly state: IdentityState;
  readonly sessions: Sessions;
  readonly accounts: Accounts;
  readonly emailVerification: EmailVerification;
  readonly passwordReset: PasswordReset;
  /** Where features enqueue mail (`enqueue(message, tx?)`), sent later by `mailDelivery`. */
  readonly mail: MailOutbox;
  /** This process's delivery loop; null without SMTP_HOST (mail then waits in the outbox). */
  readonly mailDelivery: MailDelivery | null;
  readonly mfa: Mfa;
}
