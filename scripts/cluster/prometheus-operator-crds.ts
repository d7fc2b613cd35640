/**
 * Installs the Prometheus Operator's CRDs of {@link VERSIONS.prometheusOperator} into the current
 * cluster (`KUBECONFIG`, the `kubectl` on PATH): the deploy step `prometheus-operator-crds` of
 * deploy/plan.json, before the operator and the PodMonitors are applied.
 *
 *   node_modules/.bin/tsx scripts/cluster/prometheus-operator-crds.ts
 *
 * The CRDs are taken from the operator's Go module at that release
 * (`example/prometheus-operator-crd/`), never written by hand: those of {@link OPERATOR_CRDS}.
 * Server-side apply: the Prometheus CRD alone is larger than the `last-applied-configuration`
 * annotation that a client-side apply writes may be.
 * @packageDocumentation
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CRD_FOLDER,
  OPERATOR_CRDS,
  prometheusOperatorModuleDir,
} from './build/prometheus-operator.js';
import { CommandError, runCommand } from './command.js';
import { VERSIONS } from './versions.js';

/** Who applies the CRDs: what a later run recognises as its own. */
const FIELD_MANAGER = 'shardgate-deploy';

async function main(): Promise<void> {
  const others = await otherManagers();
  if (others.length > 0) {
    // kube-prometheus-stack or another operator installed them: its release decides their version
    console.log(
      `Prometheus Operator CRDs: already installed by ${others.join(', ')}; left as they are`,
    );
    return;
  }
  const dir = join(await prometheusOperatorModuleDir(), CRD_FOLDER);
  const files = OPERATOR_CRDS.flatMap((crd) => [
    '-f',
    join(dir, `monitoring.coreos.com_${crd}.yaml`),
  ]);
  console.log(`Prometheus Operator ${VERSIONS.prometheusOperator}: CRDs from ${dir}`);
  // no --force-conflicts: a field someone else set is an error to look at, never taken over
  await runCommand(
    'kubectl',
    ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, ...files],
    { echo: true },
  );
  await waitEstablished();
}

/**
 * The field managers other than ours (and the API server's own) of the Prometheus CRD: empty when
 * it is absent or ours alone.
 */
async function otherManagers(): Promise<string[]> {
  const { stdout } = await runCommand('kubectl', [
    'get',
    'crd',
    'prometheuses.monitoring.coreos.com',
    '--ignore-not-found',
    '-o',
    'jsonpath={.metadata.managedFields[*].manager}',
  ]);
  const own = new Set([FIELD_MANAGER, 'kube-apiserver']);
  return [...new Set(stdout.split(/\s+/).filter((m) => m && !own.has(m)))];
}

/**
 * `kubectl wait` for every CRD to be Established. A CRD the API server has not given a status yet
 * makes kubectl fail at once (`.status.conditions accessor error`) instead of waiting; seen right
 * after the apply, so that is tried again after a pause.
 */
async function waitEstablished(attempts = 5): Promise<void> {
  const args = [
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    ...OPERATOR_CRDS.map((crd) => `crd/${crd}.monitoring.coreos.com`),
  ];
  for (let attempt = 1; ; attempt++) {
    try {
      await runCommand('kubectl', args, { echo: true });
      return;
    } catch (error) {
      const early = error instanceof CommandError && error.stderr.includes('accessor error');
      if (!early || attempt >= attempts) throw error;
      await sleep(2000);
    }
  }
}

await main();
