import type { ErrorRenderer, RequestState } from '@shardgate/shared';
import type { Identity } from '../domain/identity.js';

/** The typed `ctx.state` of every auth request. */
export interface AuthState extends RequestState {
  /** Set by `requireIdentity` on authenticated routes. */
  identity?: Identity;
  /** Set by routes that answer errors in another shape (`/auth/token`). */
  renderError?: ErrorRenderer;
}
