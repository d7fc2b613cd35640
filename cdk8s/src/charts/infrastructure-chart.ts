import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { ChartRelease } from '../constructs/chart-release.js';
import type { EnvironmentConfig } from '../environments.js';
import { chartImage } from '../lib/chart-image.js';
import type { ImageNaming } from '../lib/image-naming.js';
import { postgresReleaseValues } from '../lib/postgres-release-values.js';
import { NAMESPACE, postgresRelease, REDIS_CREDENTIALS_SECRET, REDIS_RELEASE } from '../names.js';

/** Props of {@link InfrastructureChart}. */
export interface InfrastructureChartProps {
  readonly env: EnvironmentConfig;
  /** Names the charts' images: as the charts do (dev), or fully qualified and pinned (prod). */
  readonly images: ImageNaming;
}

/**
 * Postgres clusters (the auth database and one per shard) and Redis, rendered from charts/ with
 * `helm template`; each Postgres cluster's values come from {@link postgresReleaseValues} (its
 * backup CronJob included when the environment sets `postgresBackup`).
 */
export class InfrastructureChart extends Chart {
  constructor(scope: Construct, id: string, props: InfrastructureChartProps) {
    super(scope, id, { namespace: NAMESPACE, disableResourceNameHashes: true });
    const { infrastructure } = props.env;
    const image = (chart: string) => {
      const { repository, tag } = chartImage(chart);
      return props.images.thirdParty(repository, tag);
    };
    for (const cluster of ['auth', ...props.env.shards]) {
      new ChartRelease(this, postgresRelease(cluster), {
        chart: 'postgres-shard',
        releaseName: postgresRelease(cluster),
        values: {
          ...postgresReleaseValues(props.env, props.images, cluster),
          // where the last failover left the primary: this release only, never a restored copy
          primaryPod: props.env.infrastructure.postgresPrimaryPods?.[cluster] ?? '',
        },
      });
    }
    new ChartRelease(this, REDIS_RELEASE, {
      chart: 'redis',
      releaseName: REDIS_RELEASE,
      values: {
        image: image('redis'),
        auth: { existingSecret: REDIS_CREDENTIALS_SECRET },
        resources: infrastructure.redisResources,
        // Who may reach Redis is decided in network-policies.k8s.yaml, with everything else.
        networkPolicy: { enabled: false },
      },
    });
  }
}
