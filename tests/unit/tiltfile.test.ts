import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type DeployPlan, loadPlan, type PlanStep } from '../../scripts/cluster/deploy/plan.js';
import { CONTEXT_NAME } from '../../scripts/cluster/layout.js';
import type { PodSpec } from '../support/k8s-manifests.js';
import {
  ancestors,
  type Call,
  calls,
  isBuildOutput,
  kw,
  podSpecOf,
  python3,
  type Report,
  readDocs,
  type TiltObject,
} from '../support/k8s-tiltfile-check.js';

// The Tiltfile cannot run here (no Tilt). It is checked with Python instead: Starlark is a subset
// of Python's syntax, and tilt/check_tiltfile.py runs the file against stand-ins of Tilt's
// built-ins that take exactly Tilt's parameters and record every call, then makes resources of
// the objects and calls as Tilt does (tilt/tilt_assembly.py), so names, paths, images and the
// order of the resources are checked against deploy/plan.json and the real k8s/dev manifests.

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const devDir = join(root, 'k8s/dev');
const plan: DeployPlan = loadPlan(root);
const work = mkdtempSync(join(tmpdir(), 'tiltfile-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const devFiles = readdirSync(devDir)
  .filter((f) => f.endsWith('.k8s.yaml'))
  .sort();
const manifests: Record<string, TiltObject[]> = Object.fromEntries(
  devFiles.map((f) => [`k8s/dev/${f}`, readDocs(join(devDir, f))]),
);
const manifestsJson = join(work, 'manifests.json');
writeFileSync(manifestsJson, JSON.stringify(manifests));

/** A resource as Tilt would make it (tilt/tilt_assembly.py). */
interface TiltResource {
  name: string;
  type: 'k8s' | 'local';
  /** `Kind/namespace/name`, namespace empty for cluster-scoped objects. */
  objects: string[];
  deps: string[];
}
type TiltReport = Report & { resources: TiltResource[] };

/** The checker's id of an object: `Kind/namespace/name` (names repeat across namespaces). */
const objectId = (o: TiltObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

function check(tiltfile: string, options: string[] = []): TiltReport {
  const r = python3(root, ['tilt/check_tiltfile.py', tiltfile, manifestsJson, ...options]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as TiltReport;
}

function snippet(name: string, source: string): string {
  const path = join(root, `.tiltfile-test-${process.pid}-${name}`);
  writeFileSync(path, source);
  return path;
}

/** The Tiltfile run against a changed copy of deploy/plan.json. */
function checkWithPlan(
  name: string,
  change: (p: DeployPlan) => DeployPlan,
  options: string[] = [],
) {
  const path = join(work, `plan-${name}.json`);
  writeFileSync(path, JSON.stringify(change(structuredClone(plan))));
  return check('Tiltfile', ['--replace', `deploy/plan.json=${path}`, ...options]);
}

const graphOf = (r: TiltReport) => new Map(r.resources.map((x) => [x.name, x.deps]));
const resourceNamed = (r: TiltReport, name: string) => r.resources.find((x) => x.name === name);

describe('tilt/check_tiltfile.py (the checker itself)', () => {
  it('reports a syntax error', () => {
    const report = check(snippet('syntax', "k8s_yaml('k8s/dev/api.k8s.yaml'\n"));
    expect(report.error).toMatch(/^SyntaxError: line \d+/);
  });

  it('reports Python that Starlark rejects', () => {
    const source = [
      'x = 1',
      'while x:',
      '    x = 0',
      "y = f'{x}'",
      'if 0 < x < 2:',
      '    pass',
      'z = x is None',
    ].join('\n');
    const report = check(snippet('starlark', source));
    expect(report.violations).toEqual([
      'line 2: while loop',
      'line 4: f-string',
      'line 5: chained comparison',
      "line 7: 'is' (use ==)",
    ]);
  });

  it('reports every referenced path that does not exist, literal or computed', () => {
    const source = [
      "FILES = ['k8s/dev/nope.k8s.yaml']",
      "docker_build('shardgate/auth', '.', dockerfile='Dockerfile.nope')",
      "local_resource('x', cmd='bash tilt/nope.sh', deps=['charts/nope-%s' % 'chart'])",
      "local_resource('y', cmd=['bash', 'scripts/nope.sh'])",
      "watch_file('tilt/*.nope')",
      'k8s_yaml(FILES)',
    ].join('\n');
    const report = check(snippet('paths', source));
    expect(report.missing).toEqual([
      'docker_build: Dockerfile.nope',
      'k8s_yaml: k8s/dev/nope.k8s.yaml',
      'local_resource: charts/nope-chart',
      'local_resource: scripts/nope.sh',
      'local_resource: tilt/nope.sh',
      'watch_file: tilt/*.nope (no match)',
    ]);
    // The manifest is unknown to the dry run too.
    expect(report.error).toMatch(/no parsed documents given for k8s\/dev\/nope\.k8s\.yaml/);
  });

  it("reports a keyword argument, or a positional one, that Tilt's built-in does not take", () => {
    const misspelled = check(
      snippet('kwarg', "local_resource('x', cmd='true', resource_dep=['y'])"),
    ).error;
    expect(misspelled).toMatch(
      /^TypeError: local_resource\(\) got an unexpected keyword argument 'resource_dep'/,
    );
    expect(misspelled).toContain('resource_deps');
    for (const [source, message] of [
      ["k8s_resource('auth', port_forward=[4001])", /k8s_resource\(\) .* 'port_forward'/],
      ["custom_build('a', 'make', ['.'], live_updates=[])", /custom_build\(\) .* 'live_updates'/],
      ["docker_build('a', '.', docker_file='D')", /docker_build\(\) .* 'docker_file'/],
      ["port_forward(1, 2, 'n', '/', 'h', 'extra')", /port_forward\(\) takes at most 5/],
      ["local_resource(cmd='true')", /local_resource\(\) missing required argument 'name'/],
      ["read_json(file_path='deploy/plan.json')", /read_json\(\) .* 'file_path'/],
    ] as const) {
      expect(check(snippet('kwarg', source)).error, source).toMatch(message);
    }
    // Every parameter the real built-in has is accepted.
    const fine = "local_resource('x', cmd='true', serve_cmd='', serve_env={}, allow_parallel=True)";
    expect(check(snippet('kwarg', fine)).error).toBeNull();
  });

  it('reports fail() and errors raised while running the file', () => {
    expect(check(snippet('fail', "fail('stop here')")).error).toBe('fail(): stop here');
    expect(check(snippet('key', "x = {}['missing']")).error).toMatch(/^KeyError/);
  });

  it('makes resources as Tilt does: workloads with the Services that select them, the rest uncategorized', () => {
    const report = check(snippet('assembly', "k8s_yaml('k8s/dev/prometheus.k8s.yaml')"));
    expect(report.error).toBeNull();
    expect(resourceNamed(report, 'prometheus')?.objects).toEqual([
      'Deployment/shardgate/prometheus',
      'Service/shardgate/prometheus',
    ]);
    expect(resourceNamed(report, 'uncategorized')?.objects).toContain(
      'ConfigMap/shardgate/prometheus-config',
    );
  });

  it('refuses what Tilt refuses: ambiguous or taken objects, unknown resources, name clashes, cycles', () => {
    const both =
      "k8s_yaml(['k8s/dev/network-policies.k8s.yaml', 'k8s/dev/ingress-controller.k8s.yaml'])";
    for (const [source, message] of [
      // default-deny-ingress exists in the namespaces shardgate and traefik.
      [
        `${both}\nk8s_resource(new_name='np', objects=['default-deny-ingress:networkpolicy'])`,
        /^Tilt: 'default-deny-ingress:networkpolicy' is not a unique fragment/,
      ],
      [
        "k8s_yaml('k8s/dev/prometheus.k8s.yaml')\nk8s_resource(new_name='svc', objects=['prometheus:service'])",
        /could be found in remaining YAML/,
      ],
      ["k8s_resource(new_name='x', objects=['nope:configmap'])", /No object identified by/],
      ["k8s_resource('nope', labels=['x'])", /unknown resource 'nope'/],
      ["local_resource('a', cmd='true', resource_deps=['b'])", /unknown resource b/],
      [
        "local_resource('a', cmd='true', resource_deps=['b'])\nlocal_resource('b', cmd='true', resource_deps=['a'])",
        /^Tilt: cycle detected in resource dependency graph: (a -> b -> a|b -> a -> b)$/,
      ],
      [
        "k8s_yaml('k8s/dev/prometheus.k8s.yaml')\nlocal_resource('prometheus', cmd='true')",
        /local_resource named 'prometheus' already exists/,
      ],
    ] as const) {
      expect(check(snippet('assembly', source)).error, source).toMatch(message);
    }
    const qualified = `${both}\nk8s_resource(new_name='np', objects=['default-deny-ingress:networkpolicy:shardgate'])`;
    expect(check(snippet('assembly', qualified)).error).toBeNull();
  });

  afterAll(() => {
    for (const f of readdirSync(root)) {
      if (f.startsWith(`.tiltfile-test-${process.pid}-`)) rmSync(join(root, f));
    }
  });
});

describe('Tiltfile', () => {
  const kind = check('Tiltfile');
  const minikube = check('Tiltfile', ['--context', 'minikube']);
  const local = check('Tiltfile', ['--context', CONTEXT_NAME]);
  const withGatewayApi = check('Tiltfile', ['--arg', 'gateway-api=true']);
  const noLiveUpdate = check('Tiltfile', ['--arg', 'no-live-update=true']);
  const noSynth = check('Tiltfile', ['--arg', 'no-synth=true']);
  const all = [kind, minikube, local, withGatewayApi, noLiveUpdate, noSynth];
  /** The steps each report runs: the optional ones only on request. */
  const stepsOf = (r: TiltReport): PlanStep[] =>
    r === withGatewayApi ? [...plan.steps, ...plan.optionalSteps] : [...plan.steps];
  const optionalFiles = plan.optionalSteps.flatMap((s) => s.apply ?? []);

  /** object id -> the step of the plan that applies it. */
  const stepOfObject = new Map<string, string>();
  for (const step of [...plan.steps, ...plan.optionalSteps]) {
    for (const file of step.apply ?? []) {
      for (const o of manifests[file] ?? []) stepOfObject.set(objectId(o), step.name);
    }
  }
  /** The step a resource belongs to: a `run` step's local resource, or its objects' step. */
  function stepOfResource(r: TiltResource): string | undefined {
    if (r.type === 'local') return plan.steps.find((s) => s.name === r.name && s.run)?.name;
    const steps = new Set(r.objects.map((o) => stepOfObject.get(o)));
    expect(steps.size, `${r.name} holds the objects of one step`).toBe(1);
    return [...steps][0];
  }

  it('parses, keeps to Starlark and runs to the end in every configuration', () => {
    for (const report of all) {
      expect(report.error).toBeNull();
      expect(report.violations).toEqual([]);
    }
  });

  it('reads its steps from deploy/plan.json and references only files that exist', () => {
    for (const report of all) {
      expect(calls(report, 'read_json').map((c) => c.args[0])).toEqual(['deploy/plan.json']);
      expect(report.paths.length).toBeGreaterThan(20);
      expect(report.missing.filter((m) => !isBuildOutput(root, m))).toEqual([]);
    }
    const referenced = new Set(withGatewayApi.paths.map((p) => p.path));
    for (const path of [
      'deploy/plan.json',
      'Dockerfile.auth',
      'Dockerfile.api',
      'tilt/dev-secrets.sh',
      'tilt/live-update.Dockerfile',
      'tilt/envoy-gateway-class.yaml',
      'scripts/synth.sh',
    ]) {
      expect(referenced, path).toContain(path);
      expect(existsSync(join(root, path)), path).toBe(true);
    }
  });

  it("applies every k8s/dev manifest once, the optional steps' only on request", () => {
    expect(optionalFiles).toEqual(['k8s/dev/gateway-api.k8s.yaml']);
    for (const report of [kind, withGatewayApi]) {
      const applied = report.applied.map(objectId);
      expect(new Set(applied).size).toBe(applied.length); // nothing applied twice
      for (const file of devFiles.map((f) => `k8s/dev/${f}`)) {
        const expected = report === withGatewayApi || !optionalFiles.includes(file);
        for (const o of manifests[file] ?? []) {
          expect(applied.includes(objectId(o)), `${file}: ${objectId(o)}`).toBe(expected);
        }
      }
    }
  });

  it('puts every object in a resource of its own step: nothing is left uncategorized', () => {
    for (const report of all) {
      const k8s = report.resources.filter((r) => r.type === 'k8s');
      expect(k8s.map((r) => r.name)).not.toContain('uncategorized');
      const placed = k8s.flatMap((r) => r.objects);
      expect(placed.sort()).toEqual(report.applied.map(objectId).sort());
      for (const r of k8s) expect(stepOfResource(r), r.name).toBeDefined();
    }
  });

  it("orders the resources exactly as the plan's `after` relation, after synth and compile", () => {
    for (const report of all) {
      const graph = graphOf(report);
      const resourcesOf = (step: string) =>
        report.resources.filter((r) => stepOfResource(r) === step).map((r) => r.name);
      const stepOf = new Map(report.resources.map((r) => [r.name, stepOfResource(r)] as const));
      const services = new Set(plan.images.map((i) => i.service));
      for (const step of stepsOf(report)) {
        const own = resourcesOf(step.name);
        expect(own.length, step.name).toBeGreaterThan(0);
        // The steps this step's resources wait for directly are exactly those of `after`...
        const direct = new Set(
          own.flatMap((r) => graph.get(r) ?? []).map((d) => stepOf.get(d) ?? `(${d})`),
        );
        direct.delete(step.name);
        const outside = [...direct].filter((d) => d.startsWith('('));
        expect([...direct].filter((d) => !d.startsWith('(')).sort(), step.name).toEqual(
          [...step.after].sort(),
        );
        // ...besides synth for the first steps, compile for the services, Envoy Gateway for the
        // Gateway API objects.
        const allowed = [
          ...(step.after.length === 0 && report !== noSynth ? ['(synth)'] : []),
          ...(own.some((r) => services.has(r)) ? ['(compile)'] : []),
          ...(step.name === 'gateway-api' ? ['(envoy-gateway)'] : []),
        ];
        expect(outside.sort(), step.name).toEqual(allowed.sort());
        // Every resource of the step waits for every resource of the steps it comes after.
        for (const r of own) {
          for (const before of step.after) {
            for (const b of resourcesOf(before)) {
              expect(ancestors(graph, r), `${r} waits for ${b}`).toContain(b);
            }
          }
          if (report !== noSynth) expect(ancestors(graph, r), r).toContain('synth');
        }
      }
      for (const service of services) expect(graph.get(service)).toContain('compile');
    }
    expect(resourceNamed(noSynth, 'synth')).toBeUndefined();
    expect(graphOf(withGatewayApi).get('gateway-api')).toContain('envoy-gateway');
  });

  it('follows the plan file, not a copy of it', () => {
    // Prometheus moved after the services: it now waits for them.
    const moved = checkWithPlan('moved', (p) => ({
      ...p,
      steps: [
        ...p.steps.filter((s) => s.name !== 'prometheus'),
        { ...(p.steps.find((s) => s.name === 'prometheus') as PlanStep), after: ['services'] },
      ],
    }));
    expect(moved.error).toBeNull();
    expect(ancestors(graphOf(moved), 'prometheus')).toContain('auth');
    expect(ancestors(graphOf(kind), 'prometheus')).not.toContain('auth');
    const unknown = checkWithPlan('unknown', (p) => ({
      ...p,
      steps: p.steps.map((s) => (s.name === 'ingress' ? { ...s, after: ['nope'] } : s)),
    }));
    expect(unknown.error).toMatch(/step ingress comes after nope, which is no earlier step/);
    const optional = checkWithPlan('optional', (p) => ({
      ...p,
      optionalSteps: [...p.optionalSteps, { name: 'extra', apply: [], after: [] }],
    }));
    expect(optional.error).toMatch(/the optional step extra has no option in the Tiltfile/);
  });

  it('builds exactly the images of the plan, which are the shardgate images the manifests use', () => {
    const planRepos = plan.images.map((i) => i.ref.replace(/:[^:/]+$/, '')).sort();
    for (const report of all) {
      const built = [...calls(report, 'custom_build'), ...calls(report, 'docker_build')]
        .map((c) => kw<string>(c, 'ref'))
        .sort();
      const images = report.applied.flatMap((o) => {
        const pod = podSpecOf(o);
        return pod
          ? [...(pod.initContainers ?? []), ...pod.containers].map((c) => c.image ?? '')
          : [];
      });
      const repos = [...new Set(images.map((i) => i.replace(/:[^:/]+$/, '')))]
        .filter((r) => r.startsWith('shardgate/'))
        .sort();
      expect(built).toEqual(repos);
      expect(built).toEqual(planRepos);
      for (const image of images) expect(image).toMatch(/:[\w.-]+$/);
      for (const image of images) expect(image).not.toMatch(/:latest$/);
    }
  });

  it('builds from the Dockerfiles with Live Update of the compiled code', () => {
    for (const report of all) {
      for (const c of calls(report, 'custom_build')) {
        const service = kw<string>(c, 'ref').replace('shardgate/', '');
        const image = plan.images.find((i) => i.service === service);
        expect(kw<string>(c, 'command')).toContain(` -f ${image?.dockerfile} `);
        expect(kw<string>(c, 'command')).toContain('-t $EXPECTED_REF');
        const steps = kw<[string, ...unknown[]][]>(c, 'live_update');
        if (report === noLiveUpdate) {
          expect(steps).toEqual([]);
          continue;
        }
        expect(steps.map((s) => s[0])).toEqual(['fall_back_on', 'sync', 'sync']);
        expect(steps.slice(1)).toEqual([
          ['sync', `services/${service}/dist`, `/app/services/${service}/dist`],
          ['sync', 'services/shared/dist', '/app/services/shared/dist'],
        ]);
        // Everything synced is watched; changes to dependencies rebuild the image.
        expect(kw<string[]>(c, 'deps')).toEqual(
          expect.arrayContaining([`services/${service}/dist`, 'package-lock.json']),
        );
        expect(steps[0]?.[1]).toEqual(expect.arrayContaining([image?.dockerfile]));
      }
    }
  });

  it(`builds with docker, or on ${CONTEXT_NAME} with podman as scripts/cluster does, then loads into the node`, () => {
    for (const report of [kind, minikube]) {
      for (const c of calls(report, 'custom_build')) {
        const command = kw<string>(c, 'command');
        expect(command).toMatch(
          /^docker build -f Dockerfile\.\w+ -t shardgate\/\w+:tilt-base \. && /,
        );
        expect(command).not.toMatch(/podman|load-image/);
        expect([kw(c, 'disable_push'), kw(c, 'skips_local_docker')]).toEqual([false, false]);
      }
    }
    // scripts/cluster/podman.ts: its global flags, `build --pull=never`, its ulimits.
    const podmanTs = readFileSync(join(root, 'scripts/cluster/podman.ts'), 'utf8');
    const flags = (name: string) =>
      [
        ...(new RegExp(`const ${name} = \\[([^\\]]*)\\]`).exec(podmanTs)?.[1] ?? '').matchAll(
          /'([^']*)'/g,
        ),
      ].map((m) => m[1]);
    expect(podmanTs).toContain("'build', '--pull=never', ...ULIMIT_FLAGS");
    const podmanBuild = [
      'podman',
      ...flags('GLOBAL_FLAGS'),
      'build',
      '--pull=never',
      ...flags('ULIMIT_FLAGS'),
    ].join(' ');
    expect(podmanBuild).toBe(
      'podman --runtime runc --cgroup-manager cgroupfs build --pull=never --ulimit nofile=1024:1024 --ulimit nproc=1000:1000',
    );
    for (const c of calls(local, 'custom_build')) {
      const service = kw<string>(c, 'ref').replace('shardgate/', '');
      expect(kw<string>(c, 'command').split(' && ')).toEqual([
        `${podmanBuild} -f Dockerfile.${service} -t shardgate/${service}:tilt-base .`,
        `${podmanBuild} --build-arg BASE=shardgate/${service}:tilt-base --build-arg SERVICE=${service} -t $EXPECTED_REF - < tilt/live-update.Dockerfile`,
        'npm run cluster -- load-image $EXPECTED_REF',
      ]);
      // No registry to push to, no docker to look in.
      expect([kw(c, 'disable_push'), kw(c, 'skips_local_docker')]).toEqual([true, true]);
    }
    // The host's CA bundle, when there is one, is mounted for the production build only.
    const bundle = join(root, 'package.json');
    const withBundle = check('Tiltfile', [
      '--context',
      CONTEXT_NAME,
      '--env',
      `NODE_EXTRA_CA_CERTS=${bundle}`,
    ]);
    const [prod, dev] = kw<string>(calls(withBundle, 'custom_build')[0] as Call, 'command').split(
      ' && ',
    );
    expect(prod).toContain(
      ` --volume ${bundle}:/etc/ssl/host-ca.crt:ro --build-arg NODE_EXTRA_CA_CERTS=/etc/ssl/host-ca.crt -f `,
    );
    expect(dev).not.toContain('--volume');
    const noBundle = check('Tiltfile', [
      '--context',
      CONTEXT_NAME,
      '--env',
      'NODE_EXTRA_CA_CERTS=/nonexistent/ca.pem',
    ]);
    expect(JSON.stringify(noBundle.calls)).not.toContain('--volume');
  });

  it('runs only the service containers under node --watch, writable, in dev', () => {
    const original = (name: string, file: string) =>
      (manifests[file] ?? []).find((o) => o.kind === 'Deployment' && o.metadata.name === name);
    const deployment = (r: TiltReport, name: string) =>
      r.applied.find((o) => o.kind === 'Deployment' && o.metadata.name === name) as TiltObject;
    for (const service of plan.images.map((i) => i.service)) {
      const file = `k8s/dev/${service}.k8s.yaml`;
      const before = podSpecOf(original(service, file) as TiltObject) as PodSpec;
      const after = podSpecOf(deployment(kind, service)) as PodSpec;
      const main = after.containers.find((c) =>
        (c.image ?? '').startsWith(`shardgate/${service}:`),
      );
      const mainBefore = before.containers.find((c) =>
        (c.image ?? '').startsWith(`shardgate/${service}:`),
      );
      expect(mainBefore?.command).toEqual(['node', `services/${service}/dist/main.js`]);
      expect(main?.command).toEqual(['node', '--watch', `services/${service}/dist/main.js`]);
      expect(main?.securityContext?.readOnlyRootFilesystem).toBe(false);
      expect(after.initContainers).toEqual(before.initContainers);
      expect(podSpecOf(deployment(noLiveUpdate, service))).toEqual(before);
    }
    // Everything else is applied exactly as synthesized.
    const patched = new Set(plan.images.map((i) => `Deployment/shardgate/${i.service}`));
    const synthesized = new Map(
      Object.values(manifests).flatMap((os) => os.map((o) => [objectId(o), o])),
    );
    for (const o of kind.applied.filter((x) => !patched.has(objectId(x)))) {
      expect(o, objectId(o)).toEqual(synthesized.get(objectId(o)));
    }
  });

  it('finds the hash-named migration Jobs in the manifests and names their resources stably', () => {
    const jobs = (manifests['k8s/dev/migrations.k8s.yaml'] ?? []).filter((o) => o.kind === 'Job');
    expect(jobs).toHaveLength(2);
    for (const report of all) {
      for (const job of jobs) {
        const label = job.metadata.labels?.['app.kubernetes.io/name'] ?? '';
        // The Tiltfile must read the names, not hard-code them: they change with every image.
        expect(job.metadata.name).toMatch(new RegExp(`^${label}-[0-9a-f]{8}$`));
        const configured = calls(report, 'k8s_resource').filter(
          (c) => kw(c, 'workload') === job.metadata.name,
        );
        expect(configured.map((c) => [kw(c, 'new_name'), kw(c, 'trigger_mode')])).toEqual([
          [label, 'manual'],
        ]);
        expect(resourceNamed(report, label)?.objects).toEqual([objectId(job)]);
      }
    }
    expect(readFileSync(join(root, 'Tiltfile'), 'utf8')).not.toMatch(/migrations-[0-9a-f]{8}/);
  });

  it("forwards the plan's gateway Service (Traefik) to its local port; no ingress-nginx", () => {
    const { gateway } = plan;
    for (const [report, context] of [
      [kind, 'kind-shardgate'],
      [minikube, 'minikube'],
      [local, CONTEXT_NAME],
    ] as const) {
      const forward = calls(report, 'local_resource').find(
        (c) => kw(c, 'name') === 'gateway-port-forward',
      ) as Call;
      expect(kw<string>(forward, 'serve_cmd')).toBe(
        `kubectl --context ${context} -n ${gateway.namespace} port-forward svc/${gateway.service} ${gateway.localPort}:${gateway.port}`,
      );
      expect(kw<{ url: string }[]>(forward, 'links').map((l) => l.url)).toEqual([
        `http://127.0.0.1:${gateway.localPort}/.well-known/jwks.json`,
      ]);
      // It waits for the resource that holds the Service.
      const holder = report.resources.find((r) =>
        r.objects.includes(`Service/${gateway.namespace}/${gateway.service}`),
      );
      expect(kw(forward, 'resource_deps')).toEqual([holder?.name]);
      expect(JSON.stringify(report.calls)).not.toMatch(/ingress-nginx/);
    }
    expect(check('Tiltfile', ['--arg', 'ingress-nginx=kind']).error).toMatch(
      /config arg 'ingress-nginx' was not defined/,
    );
  });

  it('forwards Prometheus and each service to ports their containers listen on', () => {
    const forwards = (name: string) =>
      kw<{ local_port: number; container_port: number }[]>(
        calls(kind, 'k8s_resource').find((c) => kw(c, 'workload') === name) as Call,
        'port_forwards',
      ).map((p) => `${p.local_port}:${p.container_port}`);
    expect(forwards('auth')).toEqual(['4001:8080', '9464:9464']);
    expect(forwards('api')).toEqual(['4002:8080', '9465:9464']);
    expect(forwards('prometheus')).toEqual(['9090:9090']);
    for (const [name, ports] of [
      ['auth', [8080, 9464]],
      ['api', [8080, 9464]],
      ['prometheus', [9090]],
    ] as const) {
      const pod = podSpecOf(
        kind.applied.find((o) => o.kind === 'Deployment' && o.metadata.name === name) as TiltObject,
      ) as PodSpec;
      const open = pod.containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort));
      expect(open).toEqual(expect.arrayContaining([...ports]));
    }
  });

  it(`allows only the local contexts: kind, minikube and ${CONTEXT_NAME}`, () => {
    for (const report of all) {
      const allowed = calls(report, 'allow_k8s_contexts').map((c) => c.args[0]);
      expect(allowed).toEqual([['kind-shardgate', 'minikube', CONTEXT_NAME]]);
    }
  });
});

describe('tilt/ files', () => {
  it('every shell script passes bash -n', () => {
    const scripts = readdirSync(join(root, 'tilt')).filter((f) => f.endsWith('.sh'));
    expect(scripts).toContain('dev-secrets.sh');
    for (const s of scripts) {
      const r = spawnSync('bash', ['-n', join(root, 'tilt', s)], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
  });

  it('kind-config.yaml is a one-node kind cluster named shardgate, with no host ports', () => {
    const config = parse(readFileSync(join(root, 'tilt/kind-config.yaml'), 'utf8')) as {
      kind: string;
      apiVersion: string;
      name: string;
      nodes: Record<string, unknown>[];
    };
    expect(config.kind).toBe('Cluster');
    expect(config.apiVersion).toBe('kind.x-k8s.io/v1alpha4');
    expect(config.name).toBe('shardgate'); // context kind-shardgate, allowed by the Tiltfile
    // The gateway is reached through the port-forward, as on every cluster.
    expect(config.nodes).toEqual([{ role: 'control-plane' }]);
  });
});
