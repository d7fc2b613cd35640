import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Postgres clusters of the stack: the auth database and the two order shards. */
export const CLUSTERS = ['auth', 'shard0', 'shard1'] as const;
export type ClusterName = (typeof CLUSTERS)[number];
export type PgRole = 'primary' | 'replica';

/** Every TCP port the stack listens on (all on 127.0.0.1). */
export interface StackPorts {
  readonly gateway: number;
  readonly auth: number;
  readonly authMetrics: number;
  readonly api: number;
  readonly apiMetrics: number;
  readonly redis: number;
  readonly prometheus: number;
  /** Mailpit's SMTP listener, where the auth service delivers its mail. */
  readonly mailpitSmtp: number;
  /** Mailpit's HTTP API and web UI: the inbox, for tests and for a developer's browser. */
  readonly mailpitHttp: number;
  readonly pg: Readonly<Record<ClusterName, Readonly<Record<PgRole, number>>>>;
}

/** Where a stack keeps its state and which ports it uses. */
export interface StackLayout {
  /** `dev` for `npm run up`, `test` for the test suites; separate state and ports. */
  readonly name: string;
  readonly repoRoot: string;
  /** `.stack/<name>`: everything the stack writes, git-ignored. */
  readonly dir: string;
  readonly logDir: string;
  /**
   * Where Postgres data and nginx temp files live. Normally inside `dir`; when the stack runs as
   * root and `dir` cannot be traversed by unprivileged users (Postgres refuses root, nginx workers
   * drop to `nobody`), a private folder under the system temp dir instead.
   */
  readonly unprivilegedDir: string;
  readonly ports: StackPorts;
}

/** Settings of a stack; the environment supplies them for the CLI. */
export interface StackOptions {
  /** @default 'dev' */
  readonly name?: string;
  /** Added to every default port so that two stacks can run side by side. @default 0 */
  readonly portOffset?: number;
  /** The gateway port, before the offset is applied to the others. @default 8080 + portOffset */
  readonly gatewayPort?: number;
}

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Reads {@link StackOptions} from `STACK_NAME`, `STACK_PORT_OFFSET` and `GATEWAY_PORT`. */
export function stackOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): StackOptions {
  return {
    name: env.STACK_NAME || 'dev',
    portOffset: parsePort('STACK_PORT_OFFSET', env.STACK_PORT_OFFSET, 0),
    ...(env.GATEWAY_PORT ? { gatewayPort: parsePort('GATEWAY_PORT', env.GATEWAY_PORT, 0) } : {}),
  };
}

function parsePort(variable: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 60000) {
    throw new Error(`${variable} must be an integer between 0 and 60000, got "${value}"`);
  }
  return n;
}

/** Computes the layout of a stack from its options. */
export function stackLayout(options: StackOptions = {}): StackLayout {
  const name = options.name ?? 'dev';
  if (!/^[a-z0-9-]{1,32}$/.test(name)) {
    throw new Error(`STACK_NAME must be 1-32 characters of a-z, 0-9 and '-', got "${name}"`);
  }
  const o = options.portOffset ?? 0;
  const dir = join(REPO_ROOT, '.stack', name);
  return {
    name,
    repoRoot: REPO_ROOT,
    dir,
    logDir: join(dir, 'logs'),
    unprivilegedDir: othersCanTraverse(dir)
      ? dir
      : join(tmpdir(), `shardgate-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`),
    ports: {
      gateway: options.gatewayPort ?? 8080 + o,
      auth: 4001 + o,
      authMetrics: 9464 + o,
      api: 4002 + o,
      apiMetrics: 9465 + o,
      redis: 6380 + o,
      prometheus: 9090 + o,
      mailpitSmtp: 1025 + o,
      mailpitHttp: 8025 + o,
      pg: {
        auth: { primary: 5433 + o, replica: 5434 + o },
        shard0: { primary: 5435 + o, replica: 5436 + o },
        shard1: { primary: 5437 + o, replica: 5438 + o },
      },
    },
  };
}

/**
 * Creates {@link StackLayout.unprivilegedDir} searchable by others (0711) but not listable, so the
 * Postgres account and nginx workers can reach the folders made for them inside it.
 */
export function ensureUnprivilegedDir(layout: StackLayout): void {
  mkdirSync(layout.unprivilegedDir, { recursive: true });
  chmodSync(layout.unprivilegedDir, 0o711);
}

/** True when every existing ancestor of `dir` is searchable by "others" (mode o+x). */
function othersCanTraverse(dir: string): boolean {
  for (let current = dirname(dir); ; current = dirname(current)) {
    try {
      if ((statSync(current).mode & 0o001) === 0) return false;
    } catch {
      // not created yet: it will be created with the default umask, which lets others search it
    }
    if (dirname(current) === current) return true;
  }
}
