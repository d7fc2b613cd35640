/**
 * `npm run cluster -- up|deploy|status|down|kubeconfig`: a single-node Kubernetes built from
 * upstream sources on this machine, and shardgate deployed on it. docs/kubernetes.md, "The local
 * cluster", explains what runs where.
 */
import { REPO_ROOT } from '../stack/layout.js';
import { addonImages, addonManifests, networkPolicyEnforcer } from './addons/index.js';
import { clusterBinaries, clusterDown, clusterUp, kubectlPath } from './cluster.js';
import { deployPlan } from './deploy/deploy.js';
import { PLAN_PATH } from './deploy/plan.js';
import { requireHostTools } from './host-tools.js';
import { ensureStandInImages } from './images/all.js';
import { ensurePauseImage } from './images/pause-image.js';
import { ensurePrometheusOperatorImages } from './images/prometheus-operator-image.js';
import { buildServiceImage, SERVICES } from './images/service-images.js';
import { ensureTraefikImage } from './images/traefik.js';
import { inLanes } from './in-flight.js';
import { kubectl } from './kubectl.js';
import { CONTEXT_NAME, clusterLayout } from './layout.js';
import { loadImageIntoNode } from './load-image.js';
import { networkPolicyComponent, nodeComponents } from './node/components.js';
import { importImages, nodeImages } from './node/containerd.js';
import { nodePaths } from './node/node-config.js';
import { componentStatuses, formatStatuses } from './status.js';

const USAGE = 'usage: npm run cluster -- up|deploy|status|down|kubeconfig|load-image <ref>';

async function main(command: string | undefined, args: readonly string[]): Promise<number> {
  const layout = clusterLayout();
  switch (command) {
    case 'kubeconfig':
      console.log(layout.adminKubeconfig);
      return 0;
    case 'up': {
      await requireHostTools();
      const started = Date.now();
      // Kubernetes (the longest build) in one lane; etcd's, the add-ons' and their images in the other
      const [binaries, { enforcer, images }] = await inLanes([
        () => clusterBinaries(),
        async () => ({
          enforcer: await networkPolicyEnforcer(),
          images: [await ensurePauseImage(), ...(await addonImages())],
        }),
      ]);
      await clusterUp(layout, {
        binaries,
        images,
        extraComponents: [networkPolicyComponent(layout, enforcer)],
        addonManifests: addonManifests(),
      });
      console.log(`cluster: up in ${((Date.now() - started) / 1000).toFixed(0)} s`);
      console.log(`  export KUBECONFIG=${layout.adminKubeconfig}   # context ${CONTEXT_NAME}`);
      console.log('  next: npm run cluster -- deploy');
      return 0;
    }
    case 'deploy': {
      await requireHostTools();
      const binaries = await clusterBinaries();
      const paths = nodePaths(layout);
      const plan = await deployPlan({
        repoRoot: REPO_ROOT,
        kubectlPath: kubectlPath(binaries),
        kubeconfig: layout.adminKubeconfig,
        async loadImages(deployPlanFile) {
          const planned = deployPlanFile.images.map((image) => {
            const service = SERVICES.find((name) => name === image.service);
            if (!service)
              throw new Error(`${PLAN_PATH}: no image recipe for service ${image.service}`);
            return service;
          });
          // the stand-ins, then the Prometheus Operator's two images (one Go build), in one lane;
          // Traefik (a long Go build), then our images, in the other
          const [standIns, others] = await inLanes([
            async () => [
              ...(await ensureStandInImages()),
              ...(await ensurePrometheusOperatorImages()),
            ],
            async () => {
              const built = [await ensureTraefikImage()];
              for (const service of planned) built.push(await buildServiceImage(service));
              return built;
            },
          ]);
          const changed = await importImages(
            paths.containerdSocket,
            [...standIns, ...others],
            paths.importedImages,
          );
          return { present: await nodeImages(paths.containerdSocket), changed };
        },
      });
      const { gateway } = plan;
      console.log('\nshardgate is deployed. Reach the gateway (Traefik) from this machine with:');
      console.log(
        `  ${kubectlPath(binaries)} --kubeconfig ${layout.adminKubeconfig} -n ${gateway.namespace} port-forward svc/${gateway.service} ${gateway.localPort}:${gateway.port}`,
      );
      console.log(`  npm run smoke -- --base-url http://127.0.0.1:${gateway.localPort}`);
      return 0;
    }
    case 'status': {
      const binaries = await clusterBinaries();
      const enforcer = await networkPolicyEnforcer();
      const components = [
        ...nodeComponents(layout, nodePaths(layout), binaries),
        networkPolicyComponent(layout, enforcer),
      ];
      const statuses = await componentStatuses(layout, components);
      console.log(formatStatuses(statuses));
      if (statuses.every((s) => s.state === 'healthy')) {
        const { stdout } = await kubectl(kubectlPath(binaries), layout.adminKubeconfig, [
          'get',
          'nodes,pods',
          '--all-namespaces',
          '-o',
          'wide',
        ]);
        console.log(`\n${stdout}`);
        return 0;
      }
      return 1;
    }
    case 'load-image': {
      const [ref] = args;
      if (!ref || args.length > 1) {
        console.error(USAGE);
        return 2;
      }
      const paths = nodePaths(layout);
      const changed = await loadImageIntoNode(paths.containerdSocket, paths.importedImages, ref);
      console.log(`cluster: ${ref} ${changed ? 'loaded into' : 'already on'} the node`);
      return 0;
    }
    case 'down':
      await clusterDown(layout);
      console.log('cluster: down; every process, mount, network namespace and state file removed');
      return 0;
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv[2], process.argv.slice(3)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`cluster: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
