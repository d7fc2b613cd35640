import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { GatewayResponse, Send, SendOptions } from '../../e2e/support/gateway-client.js';
import { eventually } from '../../support/wait.js';
import { type Kube, uniqueName } from './kube.js';
import { restrictedPod } from './pods.js';

/** One request as the probe received it (see probe-server.mjs). */
export interface ProbeRecord {
  readonly leg: 'verify' | 'backend';
  readonly probeId: string;
  readonly method: string;
  /** The request target exactly as received. */
  readonly url: string;
  /** `[name, value, …]` as received, names spelled as sent. */
  readonly rawHeaders: readonly string[];
  readonly bodyLength: number;
  /** `address:port` of the connection it came on. */
  readonly peer: string;
}

/** How the probe's `/verify` answers one request. */
export interface VerifyAnswer {
  readonly status: number;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: string;
  readonly delayMs?: number;
  /** Adds an `x-probe-big` header of this many characters. */
  readonly bigHeader?: number;
}

/** A path of a probe Ingress. */
export interface ProbeRoute {
  /** Unique among the routes; the Ingress is `<probe id>-<name>`. */
  readonly name: string;
  /** The path under the probe's prefix, e.g. `/auth` for `/<probe id>/auth`. */
  readonly path: string;
  readonly pathType?: 'Prefix' | 'Exact' | 'ImplementationSpecific';
  /** Which Service the path names: the probe's, one without endpoints, or one that does not exist. @default 'probe' */
  readonly backend?: 'probe' | 'no-endpoints' | 'missing';
  /** `nginx.ingress.kubernetes.io/<key>` annotations; `{authUrl}` in a value is the probe's `/verify`. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** What {@link GatewayProbe.send} gets back: the answer and the probe id the request carried. */
export interface ProbeResponse extends GatewayResponse {
  readonly probeId: string;
}

/** Options of {@link GatewayProbe.send}. */
export interface ProbeSendOptions extends SendOptions {
  /** How the probe's `/verify` answers this request. @default 200 with X-User-* headers */
  readonly verify?: VerifyAnswer;
}

/** The probe pod, its Services, a NetworkPolicy letting Traefik in, and the Ingresses of the routes. */
export interface GatewayProbe {
  /** `probe-<8 hex>`: the pod's and Service's name, and the first segment of every route. */
  readonly id: string;
  /** `/<id>` */
  readonly prefix: string;
  /** The in-cluster URL of the probe's `/verify` (what `{authUrl}` becomes). */
  readonly authUrl: string;
  /** Sends one request through the gateway with a fresh `X-Probe-Id`. */
  send(method: string, path: string, options?: ProbeSendOptions): Promise<ProbeResponse>;
  /** Every request the probe recorded with `probeId`, through the probe's open route. */
  log(probeId: string): Promise<ProbeRecord[]>;
  /** Deletes everything it created and waits until the pod is gone. */
  close(): Promise<void>;
}

const PROBE_SOURCE = readFileSync(new URL('./probe-server.mjs', import.meta.url), 'utf8');
const LABEL = 'shardgate.dev/cluster-test';

/** `rawHeaders` grouped by lower-cased name. */
export function headerValues(raw: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = String(raw[i]).toLowerCase();
    out.set(name, [...(out.get(name) ?? []), String(raw[i + 1])]);
  }
  return out;
}

/**
 * Starts a gateway probe (probe-server.mjs in a Node pod, Pod Security "restricted") and the
 * Ingresses of `routes`, all in shardgate's namespace where Traefik watches them, and waits until
 * Traefik serves them: the last Ingress created is a sentinel route; once it answers, Traefik's
 * informers hold every earlier object, and the configuration it built includes them.
 */
export async function startGatewayProbe(
  kube: Kube,
  send: Send,
  routes: readonly ProbeRoute[],
): Promise<GatewayProbe> {
  const id = uniqueName('probe');
  const ns = kube.namespace;
  const authUrl = `http://${id}.${ns}.svc.cluster.local:8080/verify`;
  const labels = { 'app.kubernetes.io/name': 'gateway-probe', [LABEL]: id };
  const service = (name: string, selector: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns, labels },
    spec: { selector, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] },
  });
  const ingress = (route: ProbeRoute) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: `${id}-${route.name}`,
      namespace: ns,
      labels,
      annotations: Object.fromEntries(
        Object.entries(route.annotations ?? {}).map(([key, value]) => [
          `nginx.ingress.kubernetes.io/${key}`,
          value.replaceAll('{authUrl}', authUrl),
        ]),
      ),
    },
    spec: {
      ingressClassName: 'nginx',
      rules: [
        {
          http: {
            paths: [
              {
                path: `/${id}${route.path}`,
                pathType: route.pathType ?? 'Prefix',
                backend: {
                  service: {
                    name: { probe: id, 'no-endpoints': `${id}-empty`, missing: `${id}-missing` }[
                      route.backend ?? 'probe'
                    ],
                    port: { number: 8080 },
                  },
                },
              },
            ],
          },
        },
      ],
    },
  });
  const apply = (object: unknown) =>
    kube.run(['apply', '-f', '-'], { input: JSON.stringify(object) });

  const close = async () => {
    await kube.run([
      'delete',
      'ingress,service,networkpolicy,pod',
      '-l',
      `${LABEL}=${id}`,
      '--ignore-not-found',
      '--wait=true',
      '--timeout=60s',
    ]);
  };
  try {
    await apply({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: id, namespace: ns, labels },
      spec: {
        podSelector: { matchLabels: { [LABEL]: id } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'traefik' } },
                podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } },
              },
            ],
            ports: [{ port: 8080, protocol: 'TCP' }],
          },
        ],
      },
    });
    await apply(
      restrictedPod({
        name: id,
        namespace: ns,
        labels,
        command: ['node', '-e', PROBE_SOURCE],
        port: 8080,
      }),
    );
    await apply(service(id, { [LABEL]: id }));
    await apply(service(`${id}-empty`, { [LABEL]: `${id}-nothing` }));
    await kube.run(['wait', '--for=condition=Ready', `pod/${id}`, '--timeout=90s']);
    // both Services' EndpointSlices exist (the empty one too) before any Ingress names them
    await eventually(
      async () => {
        const slices = await kube.json<{ items: unknown[] }>([
          'get',
          'endpointslices',
          '-l',
          `kubernetes.io/service-name in (${id}, ${id}-empty)`,
        ]);
        return slices.items.length >= 2;
      },
      30_000,
      `the EndpointSlices of ${id} and ${id}-empty`,
    );
    for (const route of routes) await apply(ingress(route));
    await apply(ingress({ name: 'sentinel', path: '/sentinel' }));
    await eventually(
      async () => (await send('GET', `/${id}/sentinel`, { timeoutMs: 5000 })).status === 200,
      60_000,
      `Traefik to serve the probe's Ingresses (/${id}/sentinel)`,
    );
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }

  return {
    id,
    prefix: `/${id}`,
    authUrl,
    async send(method, path, options = {}) {
      const probeId = randomUUID();
      const { verify, headers, ...rest } = options;
      const res = await send(method, path, {
        ...rest,
        headers: {
          'X-Probe-Id': probeId,
          ...(verify
            ? { 'X-Probe-Verify': Buffer.from(JSON.stringify(verify)).toString('base64url') }
            : {}),
          ...headers,
        },
      });
      return { ...res, probeId };
    },
    async log(probeId) {
      const path = `/${id}/sentinel/_log?id=${probeId}`;
      const res = await send('GET', path);
      if (res.status !== 200) throw new Error(`probe log ${path}: ${res.status} ${res.text}`);
      return res.body as ProbeRecord[];
    },
    close,
  };
}
