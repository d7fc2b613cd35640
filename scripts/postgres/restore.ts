/**
 * `npm run db:restore -- --from <release> --to <new release> [--backup base-…]`: restores a base
 * backup taken by a `postgres-shard` release's backup CronJob into a fresh release, and waits
 * until it runs (docs/operations.md, "Backups"). `--list <release>` prints the backups on a
 * release's backup volume; `--discard <release>` deletes a release a restore made, volumes
 * included.
 *
 *   --namespace <ns>     where both releases are (default shardgate)
 *   --env <name>         the cdk8s environment whose values the source was rendered with (default dev)
 *   --values <file>      values of the source instead (YAML or JSON; repeatable, later ones win)
 *   --backup <name>      the backup folder (default: the newest finished one)
 *   --timeout <seconds>  for the restore Job, then for each StatefulSet (default 900)
 *   --kubeconfig, --kubectl  default: $KUBECONFIG / $KUBECTL, else the local cluster's
 *
 * Prints one JSON line with the backup, its size, the release and the duration.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { KubeClient } from '../cluster/kube-client.js';
import { resolveKubeTarget } from './kube-target.js';
import { primaryImage, renderRelease } from './release-render.js';
import { environmentReleaseValues } from './release-values.js';
import { discardRestoredRelease, listBackups, restoreRelease } from './restore-release.js';

const USAGE =
  'usage: npm run db:restore -- --from <release> --to <new release> [--backup <name>] [--namespace <ns>] [--env <name> | --values <file>...]\n' +
  '       npm run db:restore -- --list <release> [--namespace <ns>] [--env <name> | --values <file>...]\n' +
  '       npm run db:restore -- --discard <release> [--namespace <ns>]';

/** Later files win, key by key at the top level (as `helm -f a -f b` would for these values). */
function readValues(files: readonly string[]): Record<string, unknown> {
  return Object.assign(
    {},
    ...files.map((file) => parse(readFileSync(file, 'utf8')) as Record<string, unknown>),
  );
}

async function main(argv: readonly string[]): Promise<number> {
  const { values: flags } = parseArgs({
    args: [...argv],
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      discard: { type: 'string' },
      list: { type: 'string' },
      backup: { type: 'string', default: '' },
      namespace: { type: 'string', default: 'shardgate' },
      env: { type: 'string', default: 'dev' },
      values: { type: 'string', multiple: true },
      timeout: { type: 'string', default: '900' },
      kubeconfig: { type: 'string' },
      kubectl: { type: 'string' },
    },
  });
  const kube = new KubeClient(await resolveKubeTarget(flags));
  const log = (line: string) => console.error(`db:restore: ${line}`);
  if (flags.discard) {
    await discardRestoredRelease(kube, flags.discard);
    log(`deleted ${flags.discard} and its volumes`);
    return 0;
  }
  const valuesOf = (release: string) =>
    flags.values ? readValues(flags.values) : environmentReleaseValues(flags.env, release);
  if (flags.list) {
    const rendered = await renderRelease(flags.list, flags.namespace, valuesOf(flags.list));
    const image = primaryImage(rendered, flags.list);
    for (const backup of await listBackups(kube, flags.list, image, 300_000)) {
      console.log(JSON.stringify(backup));
    }
    return 0;
  }
  if (!flags.from || !flags.to) {
    console.error(USAGE);
    return 2;
  }
  const result = await restoreRelease({
    kube,
    from: flags.from,
    to: flags.to,
    values: flags.values
      ? readValues(flags.values)
      : environmentReleaseValues(flags.env, flags.from),
    backup: flags.backup,
    timeoutMs: Number(flags.timeout) * 1000,
    log,
  });
  console.log(JSON.stringify({ msg: 'restore finished', outcome: 'ok', ...result }));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`db:restore: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
