import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from '../cache.js';
import { BUSYBOX_IMAGE } from '../images/busybox.js';

/** The manifest of the default StorageClass and its provisioner, as committed. */
export const LOCAL_PATH_MANIFEST = join(
  dirname(fileURLToPath(import.meta.url)),
  'local-path-storage.yaml',
);

/** The folder on the node under which volumes are created, as the committed manifest names it. */
export const DEFAULT_LOCAL_PATH_ROOT = '/var/lib/shardgate-cluster/local-path';

/** Options of {@link localPathManifest}. */
export interface LocalPathOptions {
  /** An absolute folder on the node for the volumes. @default {@link DEFAULT_LOCAL_PATH_ROOT} */
  readonly root?: string;
  /** Image of the helper pods; any image with `/bin/sh`, `mkdir` and `rm`. @default {@link BUSYBOX_IMAGE} */
  readonly helperImage?: string;
}

/**
 * The path of the local-path manifest for `options`: the committed file when they are the
 * defaults, else a copy with the two parameters replaced, written under the cache. Throws when a
 * value is not of the expected form or the manifest no longer has exactly one line to replace.
 */
export function localPathManifest(options: LocalPathOptions = {}): string {
  const root = options.root ?? DEFAULT_LOCAL_PATH_ROOT;
  const helperImage = options.helperImage ?? BUSYBOX_IMAGE;
  if (!root.startsWith('/') || /["\\\n]/.test(root)) {
    throw new Error(`local-path root must be an absolute folder without quotes: ${root}`);
  }
  if (!/^[\w./:@-]+$/.test(helperImage)) {
    throw new Error(`helper image is not an image reference: ${helperImage}`);
  }
  const committed = readFileSync(LOCAL_PATH_MANIFEST, 'utf8');
  let text = replaceOnce(
    committed,
    `"paths": [${JSON.stringify(DEFAULT_LOCAL_PATH_ROOT)}]`,
    `"paths": [${JSON.stringify(root)}]`,
  );
  text = replaceOnce(text, `image: ${BUSYBOX_IMAGE}`, `image: ${helperImage}`);
  if (text === committed) return LOCAL_PATH_MANIFEST;
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 12);
  const rendered = join(cacheDir('addons'), `local-path-storage-${digest}.yaml`);
  writeFileSync(rendered, text);
  return rendered;
}

/** Replaces the single occurrence of `from`; more or fewer means the manifest changed shape. */
function replaceOnce(text: string, from: string, to: string): string {
  const count = text.split(from).length - 1;
  if (count !== 1) {
    throw new Error(`${LOCAL_PATH_MANIFEST}: expected \`${from}\` once, found it ${count} times`);
  }
  return text.replace(from, () => to);
}
