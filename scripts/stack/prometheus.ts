import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackLayout } from './layout.js';

/** How often the stack's Prometheus scrapes; short so that tests see samples quickly. */
export const SCRAPE_INTERVAL_SECONDS = 2;

/** Writes `prometheus.yml` (both services' metrics ports, and itself) and returns the command. */
export function prometheusCommand(layout: StackLayout): [string, string[]] {
  const dir = join(layout.dir, 'prometheus');
  mkdirSync(join(dir, 'data'), { recursive: true });
  const { ports } = layout;
  const job = (name: string, port: number) =>
    [
      `  - job_name: ${name}`,
      '    static_configs:',
      `      - targets: ['127.0.0.1:${port}']`,
      `        labels: { service: ${name}, stack: ${layout.name} }`,
    ].join('\n');
  const config = [
    'global:',
    `  scrape_interval: ${SCRAPE_INTERVAL_SECONDS}s`,
    `  evaluation_interval: ${SCRAPE_INTERVAL_SECONDS}s`,
    'scrape_configs:',
    job('auth', ports.authMetrics),
    job('api', ports.apiMetrics),
    job('prometheus', ports.prometheus),
    '',
  ].join('\n');
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, config);
  return [
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      '--storage.tsdb.retention.time=2d',
      `--web.listen-address=127.0.0.1:${ports.prometheus}`,
      '--web.enable-lifecycle',
    ],
  ];
}
