import { App, YamlOutputType } from 'cdk8s';
import { GatewayApiChart } from './charts/gateway-api-chart.js';
import { InfrastructureChart } from './charts/infrastructure-chart.js';
import { IngressChart } from './charts/ingress-chart.js';
import { IngressControllerChart } from './charts/ingress-controller-chart.js';
import { MailpitChart } from './charts/mailpit-chart.js';
import { MigrationsChart } from './charts/migrations-chart.js';
import { MonitoringChart } from './charts/monitoring-chart.js';
import { NamespaceChart } from './charts/namespace-chart.js';
import { NetworkPoliciesChart } from './charts/network-policies-chart.js';
import { PrometheusChart } from './charts/prometheus-chart.js';
import { PrometheusOperatorChart } from './charts/prometheus-operator-chart.js';
import { ServiceChart } from './charts/service-chart.js';
import { CleanupCronJob } from './constructs/cleanup-cron-job.js';
import type { EnvironmentConfig } from './environments.js';
import { type ImageNaming, localImages, releaseImages } from './lib/image-naming.js';
import type { ReleaseSettings } from './lib/release-settings.js';
import { serviceDefinitions } from './lib/service-definitions.js';
import { MAILPIT_IMAGE, TRAEFIK_NAMESPACE } from './names.js';

/** Release settings and the file they were read from (named in errors). */
export interface ReleaseSettingsFile {
  readonly path: string;
  readonly settings: ReleaseSettings;
}

/**
 * Builds the cdk8s app of one environment: one chart per concern, each synthesized to
 * `<outdir>/<chart>.k8s.yaml`. No chart depends on another (ordering on the cluster comes from the
 * wait-for-migrations initContainers), which keeps cdk8s from numbering the file names.
 * @param release required when `env.imageSource` is `release`
 * @throws Error when the environment needs release settings that are missing or incomplete
 */
export function buildApp(
  env: EnvironmentConfig,
  outdir: string,
  release?: ReleaseSettingsFile,
): App {
  const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
  const images = imageNaming(env, release);
  const services = serviceDefinitions(env, images);
  new NamespaceChart(app, 'namespace');
  new InfrastructureChart(app, 'infrastructure', { env, images });
  new MigrationsChart(app, 'migrations', { services: [services.auth, services.api] });
  const auth = new ServiceChart(app, 'auth', { service: services.auth, sizing: env.services.auth });
  new CleanupCronJob(auth, 'cleanup', { service: services.auth });
  new ServiceChart(app, 'api', { service: services.api, sizing: env.services.api });
  new IngressChart(app, 'ingress', { env });
  new GatewayApiChart(app, 'gateway-api', { env });
  new NetworkPoliciesChart(app, 'network-policies', { env });
  const traefik = env.edge.controller === 'traefik' ? env.edge.traefik : undefined;
  if (traefik) {
    new IngressControllerChart(app, 'ingress-controller', { env, sizing: traefik, images });
  }
  if (env.prometheus) {
    new PrometheusChart(app, 'prometheus', { alsoScrape: traefik ? [TRAEFIK_NAMESPACE] : [] });
  }
  if (env.mail.smtp === 'mailpit') new MailpitChart(app, 'mailpit', { image: MAILPIT_IMAGE });
  if (env.monitoring?.prometheusOperator) {
    new MonitoringChart(app, 'monitoring', {
      settings: env.monitoring,
      services: [services.auth.name, services.api.name],
      ...(traefik ? { traefikNamespace: TRAEFIK_NAMESPACE } : {}),
    });
  }
  if (env.monitoring?.runOperator) {
    new PrometheusOperatorChart(app, 'prometheus-operator', { settings: env.monitoring });
  }
  images.checkPinsUsed();
  return app;
}

function imageNaming(env: EnvironmentConfig, release?: ReleaseSettingsFile): ImageNaming {
  if (env.imageSource === 'local') return localImages();
  if (!release) {
    throw new Error(
      `the ${env.name} environment names released images: pass its release settings (deploy/release.json, written by \`npm run release\`)`,
    );
  }
  return releaseImages(release.settings, release.path);
}
