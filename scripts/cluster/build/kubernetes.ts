import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGoBinaries, downloadGoModule } from '../go-build.js';
import { KUBERNETES_GIT_VERSION, VERSIONS } from '../versions.js';

/** The Kubernetes programs the local cluster runs, each built from `k8s.io/kubernetes/cmd/<name>`. */
export const KUBERNETES_PROGRAMS = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubelet',
  'kube-proxy',
  'kubectl',
] as const;
export type KubernetesProgram = (typeof KUBERNETES_PROGRAMS)[number];

/**
 * Builds the Kubernetes programs of {@link VERSIONS.kubernetes} from the Go module proxy (once;
 * cached) and returns the folder that holds them.
 *
 * `k8s.io/kubernetes` is not meant to be required as a module: its go.mod points every
 * `k8s.io/<staging>` module at a folder of its own repository (`./staging/src/k8s.io/<m>`), which
 * a dependent module does not get. Each of those is published separately as `v0.<minor>.<patch>`,
 * so the scratch module replaces each one by its published version, read from the go.mod of the
 * release itself so that a new release brings its own list.
 */
export async function buildKubernetes(): Promise<string> {
  const version = VERSIONS.kubernetes;
  const [major, minor] = version.split('.');
  const replace = Object.fromEntries(
    (await stagingModules(version)).map((m) => [
      m,
      `${m} v0.${version.split('.').slice(1).join('.')}`,
    ]),
  );
  const stamp = 'k8s.io/component-base/version';
  return buildGoBinaries({
    name: 'kubernetes',
    version,
    require: { 'k8s.io/kubernetes': `v${version}` },
    replace,
    packages: KUBERNETES_PROGRAMS.map((p) => `k8s.io/kubernetes/cmd/${p}`),
    ldflags: [
      `-X ${stamp}.gitVersion=${KUBERNETES_GIT_VERSION}`,
      `-X ${stamp}.gitMajor=${major}`,
      `-X ${stamp}.gitMinor=${minor}`,
      `-X ${stamp}.gitTreeState=clean`,
      // kubectl reports its client version through client-go's copy of the stamp.
      `-X k8s.io/client-go/pkg/version.gitVersion=${KUBERNETES_GIT_VERSION}`,
    ],
  });
}

/** The `k8s.io/*` modules that the release's go.mod replaces by folders of its own repository. */
async function stagingModules(version: string): Promise<string[]> {
  const goMod = readFileSync(
    (await downloadGoModule('k8s.io/kubernetes', `v${version}`)).GoMod,
    'utf8',
  );
  const modules = [...goMod.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\//gm)].map(
    (m) => m[1] as string,
  );
  if (modules.length === 0)
    throw new Error(`no staging modules in the go.mod of k8s.io/kubernetes v${version}`);
  return modules;
}

/** The path of one built Kubernetes program. */
export function kubernetesBinary(binDir: string, program: KubernetesProgram): string {
  return join(binDir, program);
}
