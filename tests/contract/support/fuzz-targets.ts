import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../scripts/stack/layout.js';

/** A service's OpenAPI document and the paths the gateway does not route (served by the service itself). */
export interface FuzzTarget {
  readonly service: 'auth' | 'api';
  readonly document: string;
  /** Paths whose path item names its own `servers` (the service directly): /verify, the probes. */
  readonly servicePaths: readonly string[];
}

/** Both services' documents, as published in the repository. */
export function fuzzTargets(): FuzzTarget[] {
  return (['auth', 'api'] as const).map((service) => {
    const document = join(REPO_ROOT, 'services', service, 'openapi.json');
    const doc = JSON.parse(readFileSync(document, 'utf8')) as {
      paths: Record<string, { servers?: unknown[] }>;
    };
    const servicePaths = Object.entries(doc.paths)
      .filter(([, item]) => item.servers !== undefined)
      .map(([path]) => path);
    return { service, document, servicePaths };
  });
}
