import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMailpit } from '../../../../scripts/cluster/build/mailpit.js';
import { eventually, freePort } from '../../../../tests/support/wait.js';

/** A message as Mailpit lists it (`GET /api/v1/messages`). */
export interface MailpitSummary {
  readonly ID: string;
  readonly MessageID: string;
  readonly From: { readonly Address: string; readonly Name: string };
  readonly To: readonly { readonly Address: string; readonly Name: string }[];
  readonly Subject: string;
}

/** A whole message (`GET /api/v1/message/{ID}`). */
export interface MailpitMessage extends MailpitSummary {
  readonly Text: string;
  readonly HTML: string;
}

/** Every message in the inbox at `baseUrl` (newest first). */
export async function listMail(baseUrl: string): Promise<MailpitSummary[]> {
  const response = await fetch(`${baseUrl}/api/v1/messages?limit=5000`);
  if (!response.ok) throw new Error(`mailpit answered ${response.status}`);
  return ((await response.json()) as { messages: MailpitSummary[] }).messages;
}

/** The messages sent to `address` (Mailpit's search narrows, the exact match decides). */
export async function mailTo(baseUrl: string, address: string): Promise<MailpitSummary[]> {
  const query = encodeURIComponent(`to:"${address}"`);
  const response = await fetch(`${baseUrl}/api/v1/search?query=${query}&limit=500`);
  if (!response.ok) throw new Error(`mailpit answered ${response.status}`);
  const found = ((await response.json()) as { messages: MailpitSummary[] }).messages;
  return found.filter((m) => m.To.some((to) => to.Address === address));
}

/** Waits until `count` messages to `address` have arrived; returns them. */
export async function waitForMail(
  baseUrl: string,
  address: string,
  count = 1,
  timeoutMs = 30_000,
): Promise<MailpitSummary[]> {
  let found: MailpitSummary[] = [];
  await eventually(
    async () => {
      found = await mailTo(baseUrl, address);
      return found.length >= count;
    },
    timeoutMs,
    `${count} mail(s) to ${address} in ${baseUrl}`,
  );
  return found;
}

/** Reads one message whole. */
export async function readMail(baseUrl: string, id: string): Promise<MailpitMessage> {
  const response = await fetch(`${baseUrl}/api/v1/message/${encodeURIComponent(id)}`);
  if (!response.ok) throw new Error(`mailpit answered ${response.status} for message ${id}`);
  return (await response.json()) as MailpitMessage;
}

/**
 * A Mailpit of a test's own (the stack's binary, its own ports and inbox), which the test can stop
 * and start again on the same ports: an SMTP outage without disturbing the test stack.
 */
export class PrivateMailpit {
  #child: ChildProcess | undefined;
  readonly #dir = mkdtempSync(join(tmpdir(), 'mailpit-'));

  private constructor(
    readonly smtpPort: number,
    readonly httpPort: number,
  ) {}

  /** Picks free ports; nothing runs until {@link start}. */
  static async create(): Promise<PrivateMailpit> {
    return new PrivateMailpit(await freePort(), await freePort());
  }

  /** The HTTP API's base URL. */
  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** Starts it and waits until its HTTP API and SMTP listener answer. */
  async start(): Promise<void> {
    const child = spawn(
      await buildMailpit(),
      [
        `--smtp=127.0.0.1:${this.smtpPort}`,
        `--listen=127.0.0.1:${this.httpPort}`,
        `--database=${join(this.#dir, 'mailpit.db')}`,
        '--disable-version-check',
      ],
      { stdio: 'ignore' },
    );
    this.#child = child;
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    await eventually(
      async () => {
        if (exited) throw new Error('mailpit exited');
        return (await fetch(`${this.url}/readyz`)).status === 200;
      },
      30_000,
      `mailpit on ${this.httpPort}`,
    );
  }

  /** Stops it and waits until it has exited: its SMTP port refuses connections then. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await gone;
  }

  /** Stops it and deletes its inbox. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
