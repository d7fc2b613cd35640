/**
 * The synthesized environments the manifest tests read (k8s/dev, k8s/prod) and the values the
 * contract fixes for them (namespace, external-auth URL and headers).
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_RELEASE_SETTINGS,
  readReleaseSettings,
} from '../../cdk8s/src/lib/release-settings.js';
import type { ReleaseSettingsFile } from '../../cdk8s/src/shardgate-app.js';
import { type K8sObject, type LoadedObject, loadManifests } from './k8s-manifests.js';

/** The repository root. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** The namespace of every shardgate object. */
export const NS = 'shardgate';

/** The namespace of the Traefik ingress controller (dev: `ingress-controller.k8s.yaml`). */
export const TRAEFIK_NS = 'traefik';

/** The file of the ingress controller, synthesized in dev only. */
export const INGRESS_CONTROLLER_FILE = 'ingress-controller.k8s.yaml';

/** The namespace of the Prometheus Operator that dev runs (`monitoring.runOperator`). */
export const MONITORING_NS = 'monitoring';

/** The file of the Prometheus Operator and its Prometheus (dev only). */
export const PROMETHEUS_OPERATOR_FILE = 'prometheus-operator.k8s.yaml';

/** The headers `/verify` answers with, as the Ingress and the Gateway API policy list them. */
export const AUTH_HEADERS = 'X-User-Id,X-User-Email,X-User-Email-Verified,X-User-Role,X-Session-Id';

/** The external-auth URL: the auth Service's cluster DNS name and port, path `/verify`. */
export const AUTH_URL = 'http://auth.shardgate.svc.cluster.local:8080/verify';

/** The synthesized environments. */
export const ENVIRONMENTS = ['dev', 'prod'] as const;

/** One synthesized environment. */
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

/** The objects of `k8s/<env>/`, with the file each came from. */
export function environmentManifests(env: EnvironmentName): {
  loaded: LoadedObject[];
  objects: K8sObject[];
} {
  const loaded = loadManifests(join(REPO_ROOT, 'k8s', env));
  return { loaded, objects: loaded.map((l) => l.object) };
}

/** The committed release settings (deploy/release.json, the example): what k8s/prod is synthesized from. */
export function committedRelease(): ReleaseSettingsFile {
  return {
    path: DEFAULT_RELEASE_SETTINGS,
    settings: readReleaseSettings(DEFAULT_RELEASE_SETTINGS),
  };
}
