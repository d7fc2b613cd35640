// first: V8 settings that must hold before anything else runs
import './heap-tuning.js';
import { startServiceProcess } from '@shardgate/shared';
import { createAuthHandler } from './app.js';
import { loadAuthConfig } from './config.js';
import { closeAuthDeps, createAuthDeps } from './create-deps.js';
import { KeyLoadError } from './domain/signing-keys.js';

// Entry point: configuration, dependencies, the app, then the server and its shutdown handling.
startServiceProcess({
  name: 'auth',
  loadConfig: loadAuthConfig,
  createDeps: createAuthDeps,
  handler: createAuthHandler,
  closeDeps: closeAuthDeps,
  startupLine: (deps) => [
    { kid: deps.keys.signing.kid, publishedKeys: deps.keys.jwks.keys.length },
    'signing keys loaded',
  ],
  // a key file that cannot be read names the file: its message is the whole story
  explainedErrors: [KeyLoadError],
});
