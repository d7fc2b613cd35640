import { fileURLToPath } from 'node:url';

/** The repository root (this file is cdk8s/src/lib/repo-root.ts), so charts resolve from any cwd. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
