import { startServiceProcess } from '@shardgate/shared';
import { createApiApp } from './app.js';
import { loadApiConfig } from './config.js';
import { closeApiDeps, createApiDeps } from './create-deps.js';

// Entry point: configuration, dependencies, the app, then the server and its shutdown handling.
startServiceProcess({
  name: 'api',
  loadConfig: loadApiConfig,
  createDeps: createApiDeps,
  handler: (deps) => createApiApp(deps).callback(),
  closeDeps: closeApiDeps,
  startupLine: (_deps, config) => [
    {
      shardMapVersion: config.shardMap.spec.version,
      shards: config.shards.map((s) => ({ name: s.name, replicas: s.replicaUrls.length })),
    },
    'shards configured',
  ],
});
