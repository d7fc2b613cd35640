import { describe, expect, it } from 'vitest';
import { TRAEFIK_IMAGE } from '../../scripts/cluster/images/traefik.js';
import {
  environmentManifests,
  INGRESS_CONTROLLER_FILE,
  NS,
  TRAEFIK_NS,
} from '../support/k8s-environment.js';
import {
  findObject,
  type K8sObject,
  type Loose,
  type PodSpec,
  podLabelsOf,
  podSpecOf,
} from '../support/k8s-manifests.js';
import { selectorMatches } from '../support/k8s-network-policy.js';

// The ingress controller of k8s/dev and k8s/prod (ingress-controller.k8s.yaml): Traefik v3.6 serving our
// unchanged ingress-nginx Ingresses with its Kubernetes Ingress NGINX provider. What the provider
// requires and reads is taken from its source (pkg/provider/kubernetes/ingress-nginx/ of
// v3.6.12); docs/gateway.md compares it with ingress-nginx. Pod Security, resources, images, the
// PDB and the NetworkPolicies are checked with every other workload in the sibling files.

/** The annotations Traefik v3.6.12's provider reads (its `ingressConfig`, annotations.go). */
const TRAEFIK_READS = new Set(
  [
    'auth-type',
    'auth-secret',
    'auth-realm',
    'auth-secret-type',
    'auth-url',
    'auth-response-headers',
    'force-ssl-redirect',
    'ssl-redirect',
    'ssl-passthrough',
    'use-regex',
    'affinity',
    'session-cookie-name',
    'session-cookie-secure',
    'session-cookie-path',
    'session-cookie-domain',
    'session-cookie-samesite',
    'session-cookie-max-age',
    'service-upstream',
    'backend-protocol',
    'proxy-ssl-secret',
    'proxy-ssl-verify',
    'proxy-ssl-name',
    'proxy-ssl-server-name',
    'enable-cors',
    'cors-allow-credentials',
    'cors-expose-headers',
    'cors-allow-headers',
    'cors-allow-methods',
    'cors-allow-origin',
    'cors-max-age',
  ].map((a) => `nginx.ingress.kubernetes.io/${a}`),
);

describe('k8s/dev ingress controller (Traefik)', () => {
  const { loaded, objects } = environmentManifests('dev');
  const own = loaded.filter((l) => l.file === INGRESS_CONTROLLER_FILE).map((l) => l.object);
  const deployment = findObject(objects, 'Deployment', 'traefik', TRAEFIK_NS);
  const pod = podSpecOf(deployment) as PodSpec;
  const container = pod.containers[0] as Record<string, Loose>;
  const args = container.args as string[];

  it('holds exactly the controller, its RBAC, class, namespace and policies', () => {
    const keys = own.map((o) => `${o.metadata.namespace ?? '-'}/${o.kind}/${o.metadata.name}`);
    expect(keys.sort()).toEqual(
      [
        '-/Namespace/traefik',
        '-/IngressClass/nginx',
        '-/ClusterRole/traefik',
        '-/ClusterRoleBinding/traefik',
        `${NS}/Role/traefik`,
        `${NS}/RoleBinding/traefik`,
        'traefik/ServiceAccount/traefik',
        'traefik/Deployment/traefik',
        'traefik/Service/traefik',
        'traefik/PodDisruptionBudget/traefik',
        'traefik/NetworkPolicy/default-deny-ingress',
        'traefik/NetworkPolicy/traefik-web',
        'traefik/NetworkPolicy/metrics-from-prometheus',
        'traefik/Role/prometheus-pod-discovery',
        'traefik/RoleBinding/prometheus-pod-discovery',
      ].sort(),
    );
  });

  it('declares the class our Ingresses name, with the controller the provider matches', () => {
    // The provider serves an Ingress naming a class only if an IngressClass of that name has
    // its controllerClass; without one it falls back to the legacy annotation, which ours lack.
    const classes = objects.filter((o) => o.kind === 'IngressClass');
    expect(classes.map((c) => [c.metadata.name, c.spec])).toEqual([
      ['nginx', { controller: 'k8s.io/ingress-nginx' }],
    ]);
    const annotations = classes[0]?.metadata.annotations ?? {};
    expect(annotations['ingressclass.kubernetes.io/is-default-class']).toBeUndefined();
    for (const ingress of objects.filter((o) => o.kind === 'Ingress')) {
      expect(ingress.spec.ingressClassName).toBe('nginx');
      expect(ingress.metadata.annotations?.['kubernetes.io/ingress.class']).toBeUndefined();
    }
    expect(args).toEqual(
      expect.arrayContaining([
        '--providers.kubernetesingressnginx=true',
        '--providers.kubernetesingressnginx.ingressclass=nginx',
        '--providers.kubernetesingressnginx.controllerclass=k8s.io/ingress-nginx',
        `--providers.kubernetesingressnginx.watchnamespace=${NS}`,
      ]),
    );
  });

  it('uses only annotations the provider reads, and none that would drop forward auth', () => {
    for (const ingress of objects.filter((o) => o.kind === 'Ingress')) {
      const names = Object.keys(ingress.metadata.annotations ?? {});
      // An annotation Traefik does not read is ignored without a word: nothing may rely on one.
      expect(
        names.filter((n) => !TRAEFIK_READS.has(n)),
        ingress.metadata.name,
      ).toEqual([]);
      // A basic-auth error (bad auth-type, missing Secret) makes the provider skip the rest of the
      // middlewares while keeping the route: the path would be served without forward auth.
      if (names.includes('nginx.ingress.kubernetes.io/auth-url')) {
        expect(names.filter((n) => /\/auth-(type|secret|realm)/.test(n))).toEqual([]);
      }
    }
  });

  it('runs the image the cluster scripts build, on its own flags, serving Ingresses on web only', () => {
    expect(container.image).toBe(TRAEFIK_IMAGE);
    expect(container.command).toBeUndefined();
    expect(args).toEqual(
      expect.arrayContaining([
        '--entrypoints.web.address=:8000',
        '--entrypoints.web.asdefault=true',
        '--entrypoints.ping.address=:8080',
        '--entrypoints.metrics.address=:9100',
        '--ping=true',
        '--ping.entrypoint=ping',
        '--metrics.prometheus=true',
        '--metrics.prometheus.entrypoint=metrics',
        '--accesslog=true',
        '--global.checknewversion=false',
        '--global.sendanonymoususage=false',
      ]),
    );
    // Not experimental since v3.6.2: v3.6.12 logs an error for the flag.
    expect(args.filter((a) => a.startsWith('--experimental'))).toEqual([]);
    // Forwarded headers stay untrusted: client-sent X-Forwarded-* are stripped at the entrypoint.
    expect(args.filter((a) => /forwardedheaders|proxyprotocol/i.test(a))).toEqual([]);
    // dev has no TLS host: no HTTPS entrypoint, port or Service port.
    expect(args.filter((a) => a.includes('websecure'))).toEqual([]);
  });

  it('probes /ping, exposes http 8000, ping 8080, metrics 9100, annotated for scraping', () => {
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 8000, protocol: 'TCP' },
      { name: 'ping', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9100, protocol: 'TCP' },
    ]);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ping', port: 'ping' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/ping', port: 'ping' });
    expect(deployment.spec.template.metadata.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9100',
      'prometheus.io/path': '/metrics',
    });
    expect(pod.securityContext?.runAsUser).toBe(65532);
    expect(container.securityContext.runAsUser).toBe(65532);
    expect(deployment.spec.replicas).toBe(1);
    expect(container.lifecycle.preStop).toEqual({ sleep: { seconds: 5 } });
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(5 + 10);
  });

  it('is reached through Service traefik:80 → http (kubectl port-forward svc/traefik 8080:80)', () => {
    const service = findObject(objects, 'Service', 'traefik', TRAEFIK_NS);
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
    ]);
    expect(selectorMatches({ matchLabels: service.spec.selector }, podLabelsOf(deployment))).toBe(
      true,
    );
  });

  it('grants the provider list/watch on exactly what it reads, Secrets of shardgate only', () => {
    const sa = findObject(objects, 'ServiceAccount', 'traefik', TRAEFIK_NS);
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('traefik');
    expect(pod.automountServiceAccountToken).toBe(true);
    const subject = { kind: 'ServiceAccount', name: 'traefik', namespace: TRAEFIK_NS };
    const bindings = objects.filter(
      (o) =>
        (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') &&
        (o.subjects as Loose[]).some((s) => s.namespace === TRAEFIK_NS && s.name === 'traefik'),
    );
    expect(bindings.map((b) => `${b.kind}/${b.metadata.namespace ?? '-'}`).sort()).toEqual([
      'ClusterRoleBinding/-',
      `RoleBinding/${NS}`,
    ]);
    for (const binding of bindings) {
      expect(binding.subjects).toEqual([subject]);
      expect(binding.roleRef.name).toBe('traefik');
    }
    const rules = (o: K8sObject) =>
      (o.rules as Loose[]).map((r) => [r.apiGroups.join(), r.resources.join(), r.verbs.join()]);
    expect(rules(findObject(objects, 'ClusterRole', 'traefik'))).toEqual([
      ['networking.k8s.io', 'ingressclasses', 'list,watch'],
    ]);
    expect(rules(findObject(objects, 'Role', 'traefik', NS))).toEqual([
      ['networking.k8s.io', 'ingresses', 'list,watch'],
      ['', 'services,secrets', 'list,watch'],
      ['discovery.k8s.io', 'endpointslices', 'list,watch'],
    ]);
  });
});

describe('k8s/prod ingress controller (Traefik, the production edge)', () => {
  const { loaded, objects } = environmentManifests('prod');
  const own = loaded.filter((l) => l.file === INGRESS_CONTROLLER_FILE).map((l) => l.object);
  const deployment = findObject(objects, 'Deployment', 'traefik', TRAEFIK_NS);
  const pod = podSpecOf(deployment) as PodSpec;
  const container = pod.containers[0] as Record<string, Loose>;
  const args = container.args as string[];
  const service = findObject(objects, 'Service', 'traefik', TRAEFIK_NS);

  it('holds the controller, its RBAC, class, namespace and policies, and no dev Prometheus Role', () => {
    const keys = own.map((o) => `${o.metadata.namespace ?? '-'}/${o.kind}/${o.metadata.name}`);
    expect(keys.sort()).toEqual(
      [
        '-/Namespace/traefik',
        '-/IngressClass/nginx',
        '-/ClusterRole/traefik',
        '-/ClusterRoleBinding/traefik',
        `${NS}/Role/traefik`,
        `${NS}/RoleBinding/traefik`,
        'traefik/ServiceAccount/traefik',
        'traefik/Deployment/traefik',
        'traefik/Service/traefik',
        'traefik/PodDisruptionBudget/traefik',
        'traefik/NetworkPolicy/default-deny-ingress',
        'traefik/NetworkPolicy/traefik-web',
        'traefik/NetworkPolicy/metrics-from-prometheus',
      ].sort(),
    );
  });

  it('runs two replicas or more, spread strictly over nodes, one at most down (PDB)', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(pod.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: deployment.spec.selector.matchLabels },
      },
    ]);
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    const pdb = findObject(objects, 'PodDisruptionBudget', 'traefik', TRAEFIK_NS);
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: deployment.spec.selector.matchLabels },
    });
    expect(pdb.spec.maxUnavailable).toBeLessThan(deployment.spec.replicas);
  });

  it('is a LoadBalancer keeping client addresses (externalTrafficPolicy: Local), 80 → http, 443 → https', () => {
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.externalTrafficPolicy).toBe('Local');
    expect(service.spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
      { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' },
    ]);
    expect(selectorMatches({ matchLabels: service.spec.selector }, podLabelsOf(deployment))).toBe(
      true,
    );
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 8000, protocol: 'TCP' },
      { name: 'https', containerPort: 8443, protocol: 'TCP' },
      { name: 'ping', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9100, protocol: 'TCP' },
    ]);
  });

  it("terminates TLS on websecure (8443) for the Ingresses' tls hosts, web staying for the redirect", () => {
    expect(args).toEqual(
      expect.arrayContaining([
        '--entrypoints.web.address=:8000',
        '--entrypoints.web.asdefault=true',
        '--entrypoints.websecure.address=:8443',
        // The provider's TLS routers name no entrypoint: they attach to the default ones.
        '--entrypoints.websecure.asdefault=true',
        // A TLS entrypoint: the provider's HTTP→HTTPS redirect routers go to the others only.
        '--entrypoints.websecure.http.tls=true',
        '--entrypoints.websecure.transport.lifecycle.gracetimeout=10s',
      ]),
    );
    // ping and metrics never become defaults (the routes would answer there).
    expect(
      args.filter((a) => /entrypoints\.(ping|metrics)\.(asdefault|http\.tls)/.test(a)),
    ).toEqual([]);
    // Certificates come from the Ingress tls Secret only: no resolver, no default certificate.
    expect(args.filter((a) => /certresolver|certificatesresolvers|tls\.stores/i.test(a))).toEqual(
      [],
    );
    expect(args.filter((a) => /forwardedheaders|proxyprotocol/i.test(a))).toEqual([]);
    for (const ingress of objects.filter((o) => o.kind === 'Ingress')) {
      expect(ingress.spec.tls, ingress.metadata.name).toEqual([
        { hosts: ['shardgate.example.com'], secretName: 'shardgate-tls' },
      ]);
      // ssl-redirect left at its default (true for TLS hosts): the provider's HTTP router then
      // only redirects. Set to "false" it would proxy plain HTTP, on every non-TLS entrypoint
      // (ping and metrics included: the provider attaches it to all of them in v3.6.12).
      const annotations = ingress.metadata.annotations ?? {};
      expect(annotations['nginx.ingress.kubernetes.io/ssl-redirect']).toBeUndefined();
      expect(annotations['nginx.ingress.kubernetes.io/force-ssl-redirect']).toBeUndefined();
    }
  });

  it('reads the TLS Secret where the Ingresses are: Secrets of shardgate, list/watch only', () => {
    const rules = findObject(objects, 'Role', 'traefik', NS).rules as Loose[];
    expect(rules).toContainEqual({
      apiGroups: [''],
      resources: ['services', 'secrets'],
      verbs: ['list', 'watch'],
    });
    expect(args).toContain(`--providers.kubernetesingressnginx.watchnamespace=${NS}`);
  });
});
