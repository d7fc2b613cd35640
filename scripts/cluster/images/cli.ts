/**
 * Builds the cluster's images by hand and prints each reference, its archive and how long it
 * took:
 *
 *   node_modules/.bin/tsx scripts/cluster/images/cli.ts stand-ins|services|all
 *
 * Stand-ins are built once and cached under ~/.cache/shardgate/images/; the service images are
 * rebuilt incrementally every time.
 * @packageDocumentation
 */
import { type BuiltImage, STAND_IN_BUILDERS } from './all.js';
import { buildServiceImage, SERVICES } from './service-images.js';

type Build = readonly [string, () => Promise<BuiltImage>];

const STAND_INS: readonly Build[] = Object.entries(STAND_IN_BUILDERS);
const SERVICE_BUILDS: readonly Build[] = SERVICES.map((s) => [s, () => buildServiceImage(s)]);

const GROUPS: Readonly<Record<string, readonly Build[]>> = {
  'stand-ins': STAND_INS,
  services: SERVICE_BUILDS,
  all: [...STAND_INS, ...SERVICE_BUILDS],
};

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

async function main(group: string | undefined): Promise<void> {
  const builds = group ? GROUPS[group] : undefined;
  if (!builds) {
    console.error('usage: tsx scripts/cluster/images/cli.ts stand-ins|services|all');
    process.exit(2);
  }
  const started = Date.now();
  for (const [name, build] of builds) {
    const since = Date.now();
    const image = await build();
    console.log(`${name}: ${image.ref} ${image.archive} (${seconds(since)})`);
  }
  console.log(`done in ${seconds(started)}`);
}

await main(process.argv[2]);
