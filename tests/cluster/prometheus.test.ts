import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type PrometheusTarget, prometheusApi } from '../e2e/support/prometheus-api.js';
import { eventually } from '../support/wait.js';
import { clusterGateway } from './support/cluster-gateway.js';
import { podIsReady } from './support/kube.js';

/**
 * The cluster's Prometheus (k8s/dev/prometheus.k8s.yaml: pods of shardgate and traefik that
 * carry `prometheus.io/scrape`, labelled `service` and `pod`), through its port-forward.
 * Counters are compared per live pod with their values before this test's own traffic, so a pod
 * replaced by another suite (a drill) cannot lower a sum, and traffic of others can only add.
 */
const { send, kube, accounts, info } = clusterGateway();
const prometheus = prometheusApi(info.prometheusUrl);

const SCRAPED = ['auth', 'api', 'traefik'] as const;
const GARBAGE_TOKENS = 3;
const USERS = 3;

/** The scrape interval of the deployed configuration, in milliseconds. */
let scrapeMs = 15_000;
/** Several scrapes, however loaded the machine. */
const deadline = () => 6 * scrapeMs;

/** `pod=~"a|b"`: the Ready pods of a scraped service. */
async function livePods(service: string): Promise<string> {
  const namespaceArgs = service === 'traefik' ? ['-n', 'traefik'] : [];
  const { items } = await kube.json<{ items: Parameters<typeof podIsReady>[0][] }>([
    ...namespaceArgs,
    'get',
    'pods',
    '-l',
    `app.kubernetes.io/name=${service}`,
  ]);
  const names = items.filter(podIsReady).map((pod) => pod.metadata.name);
  expect(names.length, `Ready pods of ${service}`).toBeGreaterThan(0);
  return names.join('|');
}

beforeAll(async () => {
  const config = await kube.json<{ data: Record<string, string> }>([
    'get',
    'configmap',
    'prometheus-config',
  ]);
  const interval = String(parse(config.data['prometheus.yml'] ?? '').global?.scrape_interval);
  const match = /^(\d+)s$/.exec(interval);
  if (!match)
    throw new Error(`prometheus.yml: global.scrape_interval is "${interval}", expected "<n>s"`);
  scrapeMs = Number(match[1]) * 1000;
});

describe('Prometheus in the cluster', () => {
  it('has an up target for every Ready pod of auth, api and Traefik', async () => {
    let targets: PrometheusTarget[] = [];
    const wanted = new Map<string, string[]>();
    for (const service of SCRAPED) wanted.set(service, (await livePods(service)).split('|'));
    await eventually(
      async () => {
        targets = await prometheus.activeTargets();
        return [...wanted].every(([service, pods]) =>
          pods.every((pod) =>
            targets.some(
              (t) => t.labels.service === service && t.labels.pod === pod && t.health === 'up',
            ),
          ),
        );
      },
      deadline(),
      `up targets for ${JSON.stringify([...wanted])}`,
    );
    for (const [service, pods] of wanted) {
      for (const pod of pods) {
        const target = targets.find((t) => t.labels.pod === pod);
        expect(target?.labels.service, pod).toBe(service);
        expect(target?.scrapeUrl, pod).toMatch(
          service === 'traefik' ? /:9100\/metrics$/ : /:9464\/metrics$/,
        );
      }
    }
  }, 180_000);

  it("counts this test's requests: both services' request counters, /verify outcomes, Traefik's routers", async () => {
    const pods = {
      auth: await livePods('auth'),
      api: await livePods('api'),
      traefik: await livePods('traefik'),
    };
    const expectations: ReadonlyArray<{ what: string; series: string; atLeast: number }> = [
      {
        what: 'auth: /auth/register 201',
        series: `http_requests_total{service="auth",pod=~"${pods.auth}",route="/auth/register",status="201"}`,
        atLeast: USERS,
      },
      {
        what: 'auth: /verify 200 (four /api requests per user)',
        series: `http_requests_total{service="auth",pod=~"${pods.auth}",route="/verify",status="200"}`,
        atLeast: 4 * USERS,
      },
      {
        what: 'auth: /verify 401 (the garbage tokens)',
        series: `http_requests_total{service="auth",pod=~"${pods.auth}",route="/verify",status="401"}`,
        atLeast: GARBAGE_TOKENS,
      },
      {
        what: 'auth: verify outcome allowed',
        series: `auth_verify_total{service="auth",pod=~"${pods.auth}",outcome="allowed"}`,
        atLeast: 4 * USERS,
      },
      {
        what: 'api: /api/me 200 (two per user)',
        series: `http_requests_total{service="api",pod=~"${pods.api}",route="/api/me",status="200"}`,
        atLeast: 2 * USERS,
      },
      {
        what: 'api: POST /api/orders 201',
        series: `http_requests_total{service="api",pod=~"${pods.api}",route="/api/orders",method="POST",status="201"}`,
        atLeast: USERS,
      },
      {
        what: 'api: request durations of /api/orders (a POST and a GET per user)',
        series: `http_request_duration_seconds_count{service="api",pod=~"${pods.api}",route="/api/orders"}`,
        atLeast: 2 * USERS,
      },
      {
        what: 'Traefik: 401 on the API router (the garbage tokens)',
        series: `traefik_router_requests_total{service="traefik",pod=~"${pods.traefik}",router=~"shardgate-shardgate-api-.*",code="401"}`,
        atLeast: GARBAGE_TOKENS,
      },
      {
        what: 'Traefik: requests on the web entrypoint',
        series: `traefik_entrypoint_requests_total{service="traefik",pod=~"${pods.traefik}",entrypoint="web"}`,
        atLeast: 6 * USERS + GARBAGE_TOKENS,
      },
    ];
    const read = () =>
      Promise.all(
        expectations.map(async (e) => (await prometheus.queryNumber(`sum(${e.series})`)) ?? 0),
      );
    const before = await read();

    for (let i = 0; i < USERS; i++) {
      const user = await accounts.newUser();
      expect((await send('GET', '/api/me', { token: user.accessToken })).status).toBe(200);
      expect((await send('GET', '/api/me', { token: user.accessToken })).status).toBe(200);
      const placed = await send('POST', '/api/orders', {
        token: user.accessToken,
        json: { items: [{ sku: 'METRICS', quantity: 1, unitPriceCents: 1 }], currency: 'EUR' },
      });
      expect(placed.status).toBe(201);
      expect((await send('GET', '/api/orders', { token: user.accessToken })).status).toBe(200);
    }
    for (let i = 0; i < GARBAGE_TOKENS; i++) {
      expect((await send('GET', '/api/me', { token: 'not-a-token' })).status).toBe(401);
    }

    let after: number[] = [];
    const short = () =>
      expectations
        .map((e, i) => ({ e, grew: (after[i] ?? 0) - (before[i] ?? 0) }))
        .filter(({ e, grew }) => grew < e.atLeast);
    await eventually(
      async () => {
        after = await read();
        return short().length === 0;
      },
      deadline(),
      'the counters to count this traffic',
    ).catch((error: Error) => {
      throw new Error(
        `${error.message}: ${short()
          .map(({ e, grew }) => `${e.what} grew by ${grew}, expected at least ${e.atLeast}`)
          .join('; ')}`,
      );
    });
  }, 180_000);
});
