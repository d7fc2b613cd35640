import { inject } from 'vitest';
import { type StackLayout, stackLayout } from '../../../scripts/stack/layout.js';
import { serviceEnv } from '../../../scripts/stack/services.js';
import { stackSecrets } from '../../../scripts/stack/state.js';
import { type AuthConfig, loadAuthConfig } from '../../../services/auth/src/config.js';

/**
 * The layout of the running test stack: its name is in the provided stack info, its port offset
 * is the one that puts the gateway where the stack has it. Checked against the stack's folder and
 * auth URL, so a change in how layouts are computed fails here rather than somewhere obscure.
 */
export function testStackLayout(): { layout: StackLayout; portOffset: number } {
  const stack = inject('stack');
  const portOffset = Number(new URL(stack.gatewayUrl).port) - stackLayout().ports.gateway;
  const layout = stackLayout({ name: stack.name, portOffset });
  if (layout.dir !== stack.dir || `http://127.0.0.1:${layout.ports.auth}` !== stack.authUrl) {
    throw new Error(`cannot tell the port offset of the "${stack.name}" stack`);
  }
  return { layout, portOffset };
}

/**
 * The settings the stack's auth service runs with: the environment the stack gives it
 * (`serviceEnv`, developer overrides included), parsed by the service's own schema.
 */
export function stackAuthConfig(): AuthConfig {
  const { layout } = testStackLayout();
  return loadAuthConfig(serviceEnv(layout, stackSecrets(layout), 'auth'));
}
