import type { LogLine } from '../../e2e/support/service-logs.js';
import type { Kube } from './kube.js';

/**
 * Every JSON line the containers of `service` (`auth` or `api`) wrote in the last `sinceSeconds`,
 * from every pod of its Deployment (`kubectl logs -l`, without the default 10-line tail).
 */
export async function clusterServiceLogLines(
  kube: Kube,
  service: 'auth' | 'api',
  sinceSeconds = 600,
): Promise<LogLine[]> {
  const { stdout } = await kube.run([
    'logs',
    '-l',
    `app.kubernetes.io/name=${service},app.kubernetes.io/component=server`,
    '-c',
    service,
    '--tail=-1',
    `--since=${sinceSeconds}s`,
    '--max-log-requests=10',
  ]);
  const lines: LogLine[] = [];
  for (const text of stdout.split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      // a line cut by the log rotation
    }
  }
  return lines;
}
