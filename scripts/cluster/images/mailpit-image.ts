import { buildMailpit } from '../build/mailpit.js';
import { VERSIONS } from '../versions.js';
import { ensureBinaryImage } from './binary-image.js';
import type { BuiltImage } from './image-cache.js';

/** The reference the dev environment's Mailpit Deployment names: upstream's. */
export const MAILPIT_IMAGE = `docker.io/axllent/mailpit:v${VERSIONS.mailpit}`;

/**
 * The Mailpit image of the dev cluster: the static binary of {@link buildMailpit} on an empty
 * base (`images/mailpit`), labelled as a stand-in. Built once per version and Containerfile.
 */
export function ensureMailpitImage(): Promise<BuiltImage> {
  return ensureBinaryImage({
    ref: MAILPIT_IMAGE,
    recipe: 'images/mailpit',
    buildBinary: buildMailpit,
    buildArgs: { VERSION: VERSIONS.mailpit },
  });
}
