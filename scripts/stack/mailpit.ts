import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildMailpit } from '../cluster/build/mailpit.js';
import type { StackLayout } from './layout.js';
import { httpStatus } from './processes.js';

/** Mailpit's HTTP base URL: its web UI and the API tests read the inbox through (`/api/v1/...`). */
export function mailpitUrl(layout: StackLayout): string {
  return `http://127.0.0.1:${layout.ports.mailpitHttp}`;
}

/**
 * The command that runs Mailpit on the stack's ports, its messages in a database under the stack
 * folder. Plain SMTP without authentication on loopback, as the auth service's `SMTP_TLS=none`
 * expects; no version check, which would reach for GitHub.
 */
export async function mailpitCommand(layout: StackLayout): Promise<[string, string[]]> {
  const dir = join(layout.dir, 'mailpit');
  mkdirSync(dir, { recursive: true });
  return [
    await buildMailpit(),
    [
      `--smtp=127.0.0.1:${layout.ports.mailpitSmtp}`,
      `--listen=127.0.0.1:${layout.ports.mailpitHttp}`,
      `--database=${join(dir, 'mailpit.db')}`,
      // every registration mails a verification link: keep a test run's mail (default: 500)
      '--max=50000',
      // its inbox holds live reset links: no web page may read it through DNS rebinding
      '--allowed-hosts=localhost,127.0.0.1',
      '--disable-version-check',
    ],
  ];
}

/** True when Mailpit's HTTP API answers; it opens its SMTP listener before its HTTP one. */
export async function mailpitReady(layout: StackLayout): Promise<boolean> {
  return (await httpStatus(`${mailpitUrl(layout)}/readyz`)) === 200;
}
