import { runCommand } from '../cluster/command.js';
import { REPO_ROOT } from '../cluster/images/recipe-paths.js';

/** The commit a release is built from, as its images' `org.opencontainers.image.revision` says. */
export interface Revision {
  /** `git rev-parse HEAD`, with `-dirty` appended when the tree differs from it. */
  readonly revision: string;
  /** Tracked changes or untracked files (ignored ones aside): the images are not exactly the commit. */
  readonly dirty: boolean;
}

/**
 * Reads HEAD and whether the work tree has changes. Untracked files count: a Dockerfile's
 * `COPY services/<svc>/src` takes them along.
 */
export async function currentRevision(cwd: string = REPO_ROOT): Promise<Revision> {
  const head = (await runCommand('git', ['rev-parse', 'HEAD'], { cwd })).stdout.trim();
  const status = (await runCommand('git', ['status', '--porcelain'], { cwd })).stdout.trim();
  const dirty = status !== '';
  return { revision: dirty ? `${head}-dirty` : head, dirty };
}
