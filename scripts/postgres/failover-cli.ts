/**
 * `npm run db:failover -- <release> [--to <pod>] [--unplanned] [--no-rebuild]
 *                         [--namespace <ns>] [--kubeconfig <file>] [--kubectl <binary>]
 *                         [--timeout <seconds>]`
 *
 * Moves the primary of a postgres-shard release (e.g. `postgres-shard1`) to a standby pod: a
 * planned switchover by default (the primary stops cleanly; the promotion happens only if the
 * standby has received everything), a failover with `--unplanned` (the primary is lost; what it
 * had committed that the standby never received is counted and reported). kubectl and its
 * kubeconfig: the flags, else `KUBECTL` and `KUBECONFIG`, else the local cluster's when it runs
 * here (kube-target.ts, as `db:restore`). Progress goes to stderr; the report, as JSON, to stdout.
 * docs/operations.md, "Failover and switchover", says when to use which and what to record after.
 * @packageDocumentation
 */
import { parseArgs } from 'node:util';
import { KubeClient } from '../cluster/kube-client.js';
import { failOver } from './failover.js';
import { resolveKubeTarget } from './kube-target.js';

const USAGE = `usage: npm run db:failover -- <release> [--to <pod>] [--unplanned] [--no-rebuild]
                          [--namespace <ns>] [--kubeconfig <file>] [--kubectl <binary>]
                          [--timeout <seconds>]`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      to: { type: 'string' },
      unplanned: { type: 'boolean', default: false },
      'no-rebuild': { type: 'boolean', default: false },
      namespace: { type: 'string', default: 'shardgate' },
      kubeconfig: { type: 'string' },
      kubectl: { type: 'string' },
      timeout: { type: 'string', default: '300' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [release, ...rest] = positionals;
  const timeoutSeconds = Number(values.timeout);
  if (!release || rest.length > 0 || !Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    console.error(USAGE);
    return 2;
  }
  const kube = new KubeClient(await resolveKubeTarget(values));
  const report = await failOver(kube, {
    release,
    ...(values.to ? { to: values.to } : {}),
    unplanned: values.unplanned,
    rebuild: !values['no-rebuild'],
    timeoutMs: timeoutSeconds * 1000,
    log: (line) => console.error(`[db:failover] ${line}`),
  });
  console.log(JSON.stringify(report));
  console.error(
    `[db:failover] record the new primary where ${release}'s values are kept (${report.record}), or the next render points the rw Service back at the old one; see docs/operations.md`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    console.error(`[db:failover] failed: ${error.message}`);
    process.exitCode = 1;
  },
);
