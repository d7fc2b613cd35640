import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './repo-root.js';

/** The image a chart of charts/ runs by default (`image.repository`, `image.tag` of its values.yaml). */
export interface ChartImage {
  readonly repository: string;
  readonly tag: string;
}

/**
 * Reads the default image of `charts/<chart>/values.yaml`. The chart stays the one place its
 * version is set; cdk8s only qualifies the name and adds a digest (see image-naming.ts).
 * @throws Error when the values do not give a repository and a tag
 */
export function chartImage(chart: string): ChartImage {
  const file = join('charts', chart, 'values.yaml');
  const values = parse(readFileSync(join(REPO_ROOT, file), 'utf8')) as {
    image?: { repository?: unknown; tag?: unknown };
  };
  const { repository, tag } = values.image ?? {};
  if (typeof repository !== 'string' || (typeof tag !== 'string' && typeof tag !== 'number')) {
    throw new Error(`${file}: image.repository and image.tag must be set`);
  }
  return { repository, tag: String(tag) };
}
