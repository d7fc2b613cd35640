import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { PodSpec } from '../support/k8s-manifests.js';
import {
  ancestors,
  type Call,
  calls,
  dependencyGraph,
  isBuildOutput,
  key,
  kw,
  migrationResources,
  podSpecOf,
  python3,
  type Report,
  readDocs,
  resourceNames,
  type TiltObject,
  WORKLOAD_KINDS,
} from '../support/k8s-tiltfile-check.js';

// The Tiltfile cannot run here (no Tilt, no cluster, no container engine). It is checked with
// Python instead: Starlark is a subset of Python's syntax, and tilt/check_tiltfile.py runs the file
// against stand-ins of Tilt's built-ins that take exactly Tilt's parameters and record every call,
// so names, paths, images and the order of resources are checked against the real k8s/dev
// manifests.

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const devDir = join(root, 'k8s/dev');
/** k8s/dev files the Tiltfile applies only on request. */
const OPT_IN = ['gateway-api.k8s.yaml'];
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

function check(tiltfile: string, options: string[] = []): Report {
  const r = python3(root, ['tilt/check_tiltfile.py', tiltfile, manifestsJson, ...options]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Report;
}

function snippet(name: string, source: string): string {
  const path = join(root, `.tiltfile-test-${process.pid}-${name}`);
  writeFileSync(path, source);
  return path;
}

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
      "watch_file('tilt/*.nope')",
      'k8s_yaml(FILES)',
    ].join('\n');
    const report = check(snippet('paths', source));
    expect(report.missing).toEqual([
      'docker_build: Dockerfile.nope',
      'k8s_yaml: k8s/dev/nope.k8s.yaml',
      'local_resource: charts/nope-chart',
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

  afterAll(() => {
    for (const f of readdirSync(root)) {
      if (f.startsWith(`.tiltfile-test-${process.pid}-`)) rmSync(join(root, f));
    }
  });
});

describe('Tiltfile', () => {
  const kind = check('Tiltfile');
  const minikube = check('Tiltfile', ['--context', 'minikube']);
  const withGatewayApi = check('Tiltfile', ['--arg', 'gateway-api=true']);
  const noLiveUpdate = check('Tiltfile', ['--arg', 'no-live-update=true']);
  const all = [kind, minikube, withGatewayApi, noLiveUpdate];

  it('parses, keeps to Starlark and runs to the end in every configuration', () => {
    for (const report of all) {
      expect(report.error).toBeNull();
      expect(report.violations).toEqual([]);
    }
  });

  it('references only files that exist (dist/ folders: made by the build)', () => {
    for (const report of all) {
      expect(report.paths.length).toBeGreaterThan(20);
      expect(report.missing.filter((m) => !isBuildOutput(root, m))).toEqual([]);
    }
    const referenced = new Set(withGatewayApi.paths.map((p) => p.path));
    for (const path of [
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

  it('applies every k8s/dev manifest, the opt-in ones only on request', () => {
    const applied = new Set(kind.applied.map(key));
    const appliedWithGateway = new Set(withGatewayApi.applied.map(key));
    for (const file of devFiles) {
      for (const o of manifests[`k8s/dev/${file}`] ?? []) {
        expect(appliedWithGateway, `${file}: ${key(o)}`).toContain(key(o));
        expect(applied.has(key(o)), `${file}: ${key(o)}`).toBe(!OPT_IN.includes(file));
      }
    }
    expect(kind.applied).toHaveLength(applied.size); // nothing applied twice
  });

  it('builds exactly the shardgate images the manifests use; the rest are pinned', () => {
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
      const repos = (prefix: boolean) =>
        [...new Set(images.map((i) => i.replace(/:[^:/]+$/, '')))]
          .filter((r) => r.startsWith('shardgate/') === prefix)
          .sort();
      expect(built).toEqual(repos(true));
      expect(built).toEqual(['shardgate/api', 'shardgate/auth']);
      for (const image of images) expect(image).toMatch(/:[\w.-]+$/);
      for (const image of images) expect(image).not.toMatch(/:latest$/);
    }
  });

  it('builds from the Dockerfiles with Live Update of the compiled code', () => {
    for (const c of calls(kind, 'custom_build')) {
      const service = kw<string>(c, 'ref').replace('shardgate/', '');
      expect(kw<string>(c, 'command')).toContain(`docker build -f Dockerfile.${service} `);
      expect(kw<string>(c, 'command')).toContain('-t $EXPECTED_REF');
      const steps = kw<[string, ...unknown[]][]>(c, 'live_update');
      expect(steps.map((s) => s[0])).toEqual(['fall_back_on', 'sync', 'sync']);
      expect(steps.slice(1)).toEqual([
        ['sync', `services/${service}/dist`, `/app/services/${service}/dist`],
        ['sync', 'services/shared/dist', '/app/services/shared/dist'],
      ]);
      // Everything synced is watched; changes to dependencies rebuild the image.
      const deps = kw<string[]>(c, 'deps');
      expect(deps).toEqual(
        expect.arrayContaining([`services/${service}/dist`, 'package-lock.json']),
      );
      expect(steps[0]?.[1]).toEqual(expect.arrayContaining([`Dockerfile.${service}`]));
    }
    for (const c of calls(noLiveUpdate, 'custom_build')) expect(kw(c, 'live_update')).toEqual([]);
  });

  it('runs only the service containers under node --watch, writable, in dev', () => {
    const original = (name: string, file: string) =>
      (manifests[file] ?? []).find((o) => o.kind === 'Deployment' && o.metadata.name === name);
    for (const service of ['auth', 'api']) {
      const file = `k8s/dev/${service}.k8s.yaml`;
      const before = podSpecOf(original(service, file) as TiltObject) as PodSpec;
      const after = podSpecOf(
        kind.applied.find((o) => key(o) === `Deployment/${service}`) as TiltObject,
      ) as PodSpec;
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
      const unpatched = podSpecOf(
        noLiveUpdate.applied.find((o) => key(o) === `Deployment/${service}`) as TiltObject,
      );
      expect(unpatched).toEqual(before);
    }
    for (const job of kind.applied.filter((o) => o.kind === 'Job')) {
      const source = manifests['k8s/dev/migrations.k8s.yaml']?.find((o) => key(o) === key(job));
      expect(job).toEqual(source);
    }
  });

  it('names only existing resources and orders synth, secrets, infrastructure, migrations, services, ingress', () => {
    for (const report of all) {
      const names = resourceNames(report);
      const workloads = new Set(
        report.applied.filter((o) => WORKLOAD_KINDS.includes(o.kind)).map((o) => o.metadata.name),
      );
      const graph = dependencyGraph(report);
      for (const c of calls(report, 'k8s_resource')) {
        const workload = kw<string>(c, 'workload');
        if (workload) expect(workloads, workload).toContain(workload);
        for (const selector of kw<string[] | undefined>(c, 'objects') ?? []) {
          const [name, kindName] = selector.split(':');
          expect(
            report.applied.some(
              (o) => o.metadata.name === name && o.kind.toLowerCase() === kindName,
            ),
            selector,
          ).toBe(true);
        }
      }
      for (const [name, deps] of graph) {
        for (const dep of deps) expect(names, `${name} depends on ${dep}`).toContain(dep);
      }
      const statefulSets = report.applied.filter((o) => o.kind === 'StatefulSet');
      const jobs = migrationResources(report);
      expect(jobs.sort()).toEqual(['api-migrations', 'auth-migrations']);
      expect(ancestors(graph, 'dev-secrets')).toEqual(new Set(['synth']));
      for (const s of statefulSets) {
        expect(ancestors(graph, s.metadata.name)).toContain('dev-secrets');
      }
      for (const job of jobs) {
        for (const s of statefulSets) expect(ancestors(graph, job)).toContain(s.metadata.name);
      }
      for (const service of ['auth', 'api']) {
        expect([...ancestors(graph, service)]).toEqual(
          expect.arrayContaining([...jobs, 'compile']),
        );
      }
      expect([...ancestors(graph, 'ingress')]).toEqual(
        expect.arrayContaining(['auth', 'api', 'ingress-nginx']),
      );
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
      }
    }
    expect(readFileSync(join(root, 'Tiltfile'), 'utf8')).not.toMatch(/migrations-[0-9a-f]{8}/);
  });

  it('installs ingress-nginx v1.15.1 for the cluster at hand and forwards the gateway to 8080', () => {
    const install = (r: Report) =>
      calls(r, 'local_resource').find((c) => kw(c, 'name') === 'ingress-nginx');
    const forward = (r: Report) =>
      calls(r, 'local_resource').find((c) => kw(c, 'name') === 'gateway-port-forward');
    expect(kw<string>(install(kind) as Call, 'cmd')).toContain(
      'kubernetes/ingress-nginx/controller-v1.15.1/deploy/static/provider/kind/deploy.yaml',
    );
    expect(kw<string>(install(kind) as Call, 'cmd')).toContain('kubectl --context kind-shardgate');
    expect(forward(kind)).toBeUndefined(); // kind maps the node's port 80 to 127.0.0.1:8080
    expect(kw<string>(install(minikube) as Call, 'cmd')).toContain(
      'kubernetes/ingress-nginx/controller-v1.15.1/deploy/static/provider/baremetal/deploy.yaml',
    );
    expect(kw<string>(forward(minikube) as Call, 'serve_cmd')).toBe(
      'kubectl --context minikube -n ingress-nginx port-forward svc/ingress-nginx-controller 8080:80',
    );
    const none = check('Tiltfile', ['--context', 'minikube', '--arg', 'ingress-nginx=none']);
    expect(none.error).toBeNull();
    expect(install(none)).toBeUndefined();
    const bad = check('Tiltfile', ['--arg', 'ingress-nginx=traefik']);
    expect(bad.error).toMatch(/--ingress-nginx must be/);
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
        kind.applied.find((o) => key(o) === `Deployment/${name}`) as TiltObject,
      ) as PodSpec;
      const open = pod.containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort));
      expect(open).toEqual(expect.arrayContaining([...ports]));
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

  it('kind-config.yaml is a kind cluster with the ingress ports and label', () => {
    const config = parse(readFileSync(join(root, 'tilt/kind-config.yaml'), 'utf8')) as {
      kind: string;
      apiVersion: string;
      name: string;
      nodes: {
        role: string;
        labels?: Record<string, string>;
        extraPortMappings?: { containerPort: number; hostPort: number }[];
      }[];
    };
    expect(config.kind).toBe('Cluster');
    expect(config.apiVersion).toBe('kind.x-k8s.io/v1alpha4');
    expect(config.name).toBe('shardgate'); // context kind-shardgate, allowed by the Tiltfile
    const node = config.nodes.find((n) => n.role === 'control-plane');
    expect(node?.labels).toEqual({ 'ingress-ready': 'true' });
    expect(node?.extraPortMappings?.map((m) => `${m.hostPort}:${m.containerPort}`)).toEqual([
      '8080:80',
      '8443:443',
    ]);
  });
});
