import type { KubeClient } from '../cluster/kube-client.js';
import { applyManifest, waitForJob } from '../cluster/kubectl.js';

/** What {@link toolJob} needs. */
export interface ToolJobProps {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the Job and its pod. */
  readonly labels: Readonly<Record<string, string>>;
  /** The release's Postgres image (its tools match its server). */
  readonly image: string;
  /** A bash script, run with `bash -c`. */
  readonly script: string;
  readonly env: readonly { readonly name: string; readonly value: string }[];
  /** Claims to mount: name → [mount path, read-only]. */
  readonly claims: Readonly<Record<string, readonly [string, boolean]>>;
}

/**
 * A one-pod Job running a script in the Postgres image: never retried (a failure is for a person
 * to read), at most an hour, Pod Security "restricted" as the chart's pods (uid 999, read-only
 * root with a writable /tmp, no capabilities, no service account token).
 */
export function toolJob(props: ToolJobProps): Record<string, unknown> {
  const seccompProfile = { type: 'RuntimeDefault' };
  const claims = Object.entries(props.claims);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: 3600,
      template: {
        metadata: { labels: props.labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 999,
            runAsGroup: 999,
            fsGroup: 999,
            seccompProfile,
          },
          containers: [
            {
              name: 'tool',
              image: props.image,
              command: ['/bin/bash', '-c', props.script],
              env: props.env,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 999,
                runAsGroup: 999,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile,
              },
              resources: {
                requests: { cpu: '100m', memory: '128Mi' },
                limits: { cpu: '1', memory: '512Mi' },
              },
              volumeMounts: [
                ...claims.map(([, [mountPath, readOnly]], i) => ({
                  name: `claim-${i}`,
                  mountPath,
                  ...(readOnly ? { readOnly } : {}),
                })),
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            ...claims.map(([claimName, [, readOnly]], i) => ({
              name: `claim-${i}`,
              persistentVolumeClaim: { claimName, ...(readOnly ? { readOnly } : {}) },
            })),
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
}

/**
 * Runs a {@link toolJob} to its end and returns what its pod printed; the Job is deleted
 * afterwards, also when it failed or timed out (the error then carries its output). `pollMs`:
 * how often its status is read (shorter where someone waits on it, as a switchover does).
 */
export async function runToolJob(
  kube: KubeClient,
  props: Omit<ToolJobProps, 'namespace'>,
  timeoutMs: number,
  pollMs?: number,
): Promise<string> {
  await kube.run(['delete', 'job', props.name, '--ignore-not-found', '--wait=true']);
  const job = toolJob({ ...props, namespace: kube.namespace });
  for (const warning of await applyManifest(kube.run, { objects: [job] })) console.warn(warning);
  try {
    await waitForJob(kube.run, { name: props.name }, timeoutMs, pollMs);
    return (await kube.run(['logs', `job/${props.name}`])).stdout;
  } finally {
    await kube.run(['delete', 'job', props.name, '--wait=false']);
  }
}
