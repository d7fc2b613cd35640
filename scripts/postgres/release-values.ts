import { environments } from '../../cdk8s/src/environments.js';
import { localImages, releaseImages } from '../../cdk8s/src/lib/image-naming.js';
import { postgresReleaseValues } from '../../cdk8s/src/lib/postgres-release-values.js';
import { readReleaseSettings, releaseSettingsPath } from '../../cdk8s/src/lib/release-settings.js';
import { postgresRelease } from '../../cdk8s/src/names.js';

/**
 * The values cdk8s renders the Postgres release `release` (`postgres-shard0`) with in the
 * environment `envName` (`dev`, `prod`): the same function `infrastructure.k8s.yaml` is built
 * from, so a restored copy is installed exactly as its source was. prod's images come from the
 * release settings, as for `npm run synth`.
 * @throws Error naming the environment's releases when `release` is not one of them
 */
export function environmentReleaseValues(
  envName: string,
  release: string,
): Record<string, unknown> {
  const env = environments.find((candidate) => candidate.name === envName);
  if (!env) {
    throw new Error(
      `no environment "${envName}" (known: ${environments.map((e) => e.name).join(', ')})`,
    );
  }
  const clusters = ['auth', ...env.shards];
  const cluster = clusters.find((name) => postgresRelease(name) === release);
  if (!cluster) {
    throw new Error(
      `${release} is not a Postgres release of ${envName} (${clusters.map(postgresRelease).join(', ')}); pass --values for another`,
    );
  }
  const images =
    env.imageSource === 'local'
      ? localImages()
      : releaseImages(readReleaseSettings(releaseSettingsPath()), releaseSettingsPath());
  return postgresReleaseValues(env, images, cluster);
}
