/**
 * Releases both service images: builds them with podman (OCI labels source, revision, version),
 * pushes them to the registry of the release settings, reads back the digests the registry
 * reports and writes them, with the revision, into the settings; `npm run synth` then names them
 * in k8s/prod. docs/kubernetes.md#releasing is the operator's page.
 *
 *   npm run release -- [--settings <file>] [--registry <host[:port]>] [--repository <path>]
 *                      [--version <tag>] [--source <url>] [--allow-dirty]
 *                      [--tls-verify=false] [--stand-in-base]
 *
 * The flags override the file's values and are written back with the digests; a file that does
 * not exist yet is created from them. Nothing is written unless both images were pushed.
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  parseReleaseSettings,
  RELEASED_SERVICES,
  type ReleaseSettings,
  readReleaseSettings,
  releaseSettingsPath,
  shownPath,
} from '../../cdk8s/src/lib/release-settings.js';
import { type BaseImage, buildReleaseImage } from './build-image.js';
import { currentRevision } from './git-revision.js';
import { isLoopbackRegistry, pushImage } from './push-image.js';
import { writeReleaseSettings } from './write-settings.js';

const USAGE = `usage: npm run release -- [--settings <file>] [--registry <host[:port]>] [--repository <path>]
                          [--version <tag>] [--source <url>] [--allow-dirty]
                          [--tls-verify=false] [--stand-in-base]`;

/** Replaces the file's comment: after a release it describes a real one, not the example. */
const RELEASED_COMMENT =
  'Written by `npm run release`: the digests are those the registry reported for the images it pushed, built from the revision below. Change registry, repository, version or source here (or with its flags) and release again; then `npm run synth`.';

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      settings: { type: 'string' },
      registry: { type: 'string' },
      repository: { type: 'string' },
      version: { type: 'string' },
      source: { type: 'string' },
      'allow-dirty': { type: 'boolean', default: false },
      'tls-verify': { type: 'string', default: 'true' },
      'stand-in-base': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const path = values.settings ? resolve(values.settings) : releaseSettingsPath();
  const flags = Object.fromEntries(
    (['registry', 'repository', 'version', 'source'] as const)
      .filter((key) => values[key] !== undefined)
      .map((key) => [key, values[key]]),
  );
  const base = existsSync(path)
    ? readReleaseSettings(path)
    : { digests: {}, thirdPartyDigests: {} };
  // checked again with the flags applied; the old digests name images of another build
  const settings = parseReleaseSettings({ ...base, ...flags, digests: {} }, shownPath(path));
  if (values['tls-verify'] !== 'true' && values['tls-verify'] !== 'false') {
    throw new Error(`--tls-verify takes true or false, not ${values['tls-verify']}`);
  }
  const tlsVerify = values['tls-verify'] === 'true';
  if (!tlsVerify && !isLoopbackRegistry(settings.registry)) {
    throw new Error(
      `--tls-verify=false is for a registry on loopback only, not ${settings.registry}: over a network an image could be read or replaced in transit. Give podman the registry's CA instead (/etc/containers/certs.d/<host>/ca.crt).`,
    );
  }
  const { revision, dirty } = await currentRevision();
  if (dirty && !values['allow-dirty']) {
    throw new Error(
      'the work tree has changes (git status): commit them, or pass --allow-dirty to release them labelled <commit>-dirty',
    );
  }
  const baseImage: BaseImage = values['stand-in-base'] ? 'stand-in' : 'upstream';
  const started = Date.now();
  const digests: Partial<Record<(typeof RELEASED_SERVICES)[number], string>> = {};
  for (const service of RELEASED_SERVICES) {
    const ref = `${settings.registry}/${settings.repository}/${service}:${settings.version}`;
    let since = Date.now();
    console.log(`release: building ${ref} (revision ${revision}, ${baseImage} base)`);
    await buildReleaseImage(service, ref, { ...settings, revision }, baseImage);
    const built = seconds(since);
    since = Date.now();
    digests[service] = await pushImage(ref, { tlsVerify });
    console.log(
      `release: ${ref}@${digests[service]} (built in ${built}, pushed in ${seconds(since)})`,
    );
  }
  const released: ReleaseSettings = {
    ...settings,
    comment: RELEASED_COMMENT,
    revision,
    digests,
  };
  writeReleaseSettings(path, released);
  console.log(
    `release: wrote the digests into ${shownPath(path)} (${seconds(started)}); next: npm run synth` +
      (path === releaseSettingsPath() ? '' : ` with SHARDGATE_RELEASE_SETTINGS=${path}`),
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`release: ${(error as Error).message}`);
  console.error(USAGE);
  process.exit(1);
});
