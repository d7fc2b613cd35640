import { spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type K8sObject, loadManifests, podSpecOf } from '../support/k8s-manifests.js';

// tilt/dev-secrets.sh runs against a stand-in kubectl (tests/support/fake-kubectl.cjs) that keeps
// Secrets in a JSON file, and is checked against what the dev manifests reference.

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
/** k8s/dev files the Tiltfile applies only on request. */
const OPT_IN = ['gateway-api.k8s.yaml'];
const work = mkdtempSync(join(tmpdir(), 'dev-secrets-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const loaded = loadManifests(join(root, 'k8s/dev')).filter((l) => !OPT_IN.includes(l.file));
/** The parts of a pod spec that name Secrets. */
interface PodSecretRefs {
  containers: ContainerSecretRefs[];
  initContainers?: ContainerSecretRefs[];
  volumes?: { secret?: { secretName: string } }[];
}
interface ContainerSecretRefs {
  env?: { valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { secretRef?: { name: string } }[];
}
const objectsOf = (file: string): K8sObject[] =>
  loaded.filter((l) => l.file === file).map((l) => l.object);

describe('tilt/dev-secrets.sh (against a stand-in kubectl)', () => {
  const bin = join(work, 'bin');
  const state = join(work, 'kubectl-state.json');
  /** The script's TMPDIR: its private folder of values must be gone when it exits. */
  const scratch = join(work, 'tmp');
  type Secrets = Record<string, Record<string, string>>;

  function runScript() {
    const r = spawnSync('bash', ['tilt/dev-secrets.sh'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        FAKE_KUBECTL_STATE: state,
        KUBE_CONTEXT: 'kind-shardgate',
        TMPDIR: scratch,
      },
    });
    expect(r.status, r.stderr).toBe(0);
    const stored = JSON.parse(readFileSync(state, 'utf8')) as Secrets;
    const log = readFileSync(`${state}.log`, 'utf8').trimEnd().split('\n');
    const decoded = Object.fromEntries(
      Object.entries(stored).map(([n, data]) => [
        n,
        Object.fromEntries(
          Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
        ),
      ]),
    );
    return { stdout: r.stdout, log, secrets: decoded };
  }

  /** Every Secret (and key) the dev manifests reference. */
  function referencedSecrets(): Map<string, Set<string>> {
    const refs = new Map<string, Set<string>>();
    const add = (name: string, k?: string) => {
      const keys = refs.get(name) ?? new Set<string>();
      if (k) keys.add(k);
      refs.set(name, keys);
    };
    for (const { object } of loaded) {
      const pod = podSpecOf(object) as PodSecretRefs | undefined;
      if (!pod) continue;
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (ref) add(ref.name, ref.key);
        }
        for (const e of c.envFrom ?? []) if (e.secretRef) add(e.secretRef.name);
      }
      for (const v of pod.volumes ?? []) if (v.secret) add(v.secret.secretName);
    }
    return refs;
  }

  let first: ReturnType<typeof runScript>;
  beforeAll(() => {
    mkdirSync(bin, { recursive: true });
    mkdirSync(scratch, { recursive: true });
    copyFileSync(join(root, 'tests/support/fake-kubectl.cjs'), join(bin, 'kubectl'));
    chmodSync(join(bin, 'kubectl'), 0o755);
    first = runScript();
  }, 60_000);

  it('creates every Secret and key the dev manifests reference', () => {
    const refs = referencedSecrets();
    expect(refs.size).toBeGreaterThanOrEqual(9);
    for (const [name, keys] of refs) {
      expect(first.secrets, name).toHaveProperty([name]);
      for (const k of keys) expect(first.secrets[name], `${name}.${k}`).toHaveProperty([k]);
    }
    expect(first.log[0]).toBe('apply -f k8s/dev/namespace.k8s.yaml');
  });

  it('builds the URLs from the stored passwords and the Services of the manifests', () => {
    const s = first.secrets;
    const services = new Set(
      objectsOf('infrastructure.k8s.yaml')
        .filter((o) => o.kind === 'Service')
        .map((o) => o.metadata.name),
    );
    const urls = { ...s['auth-database'], ...s['api-database'], ...s['auth-redis'] };
    expect(Object.keys(urls).length).toBe(7);
    for (const [k, url] of Object.entries(urls)) {
      const u = new URL(url);
      const host = u.hostname.replace(/\.shardgate\.svc\.cluster\.local$/, '');
      expect(services, `${k}: ${host}`).toContain(host);
      const cluster = /^postgres-(\w+)-r[wo]$/.exec(host)?.[1];
      if (cluster) {
        expect(u.username).toBe('app');
        expect(u.password).toBe(s[`postgres-${cluster}-credentials`]?.['app-password']);
        expect(u.pathname).toBe(`/${cluster}`);
      } else {
        expect(u.password).toBe(s['redis-credentials']?.['redis-password']);
      }
    }
    expect(s['api-redis']).toEqual(s['auth-redis']);
    for (const pw of Object.values(s['postgres-auth-credentials'] ?? {})) {
      expect(pw).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('never puts a value on a command line, and leaves no value file behind', () => {
    const values = Object.values(first.secrets).flatMap((data) => Object.values(data));
    expect(values.length).toBeGreaterThanOrEqual(15);
    // Every argument of every kubectl call (the stand-in also refuses --from-literal and value
    // files other users could read).
    for (const line of first.log) {
      for (const value of values) expect(line).not.toContain(value);
    }
    expect(first.log.filter((l) => l.startsWith('create secret')).join('\n')).toMatch(
      /--from-file=app-password=\S+/,
    );
    const script = readFileSync(join(root, 'tilt/dev-secrets.sh'), 'utf8');
    expect(script).not.toMatch(/--from-literal/);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('makes one private Ed25519 signing key named after its kid', () => {
    const files = Object.entries(first.secrets['auth-signing-keys'] ?? {});
    expect(files).toHaveLength(1);
    const [file, content] = files[0] as [string, string];
    const jwk = JSON.parse(content) as { kid: string; kty: string; crv: string; d?: string };
    expect(file).toBe(`${jwk.kid}.jwk.json`);
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(createPrivateKey({ key: jwk, format: 'jwk' }).asymmetricKeyType).toBe('ed25519');
  });

  it('gives Mailpit a certificate for its Service, from a CA whose key is gone', () => {
    const tls = first.secrets['mailpit-tls'] ?? {};
    expect(Object.keys(tls).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    const ca = new X509Certificate(tls['ca.crt'] ?? '');
    const leaf = new X509Certificate(tls['tls.crt'] ?? '');
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkPrivateKey(createPrivateKey(tls['tls.key'] ?? ''))).toBe(true);
    // the name the auth service dials (SMTP_HOST of k8s/dev), and no other host
    const smtpHost = objectsOf('auth.k8s.yaml').find((o) => o.kind === 'ConfigMap')?.data
      ?.SMTP_HOST;
    expect(smtpHost).toBe('mailpit.shardgate.svc.cluster.local');
    expect(leaf.checkHost(smtpHost as string)).toBe(smtpHost);
    expect(leaf.checkHost('auth.shardgate.svc.cluster.local')).toBeUndefined();
    // the only private keys stored: Mailpit's own and the signing key (no CA key anywhere)
    const privateKeys = Object.entries(first.secrets).flatMap(([name, data]) =>
      Object.entries(data)
        .filter(([, value]) => /PRIVATE KEY|"d":/.test(value))
        .map(([key]) => `${name}.${key}`),
    );
    expect(privateKeys.filter((k) => !k.startsWith('auth-signing-keys.'))).toEqual([
      'mailpit-tls.tls.key',
    ]);
  });

  it("gives the auth service the SMTP credentials in Mailpit's password file", () => {
    const smtp = first.secrets['auth-smtp'] ?? {};
    expect(smtp.SMTP_USER).toBe('shardgate');
    expect(smtp.SMTP_PASSWORD).toMatch(/^[0-9a-f]{32}$/);
    expect(first.secrets['mailpit-smtp-users']?.['smtp-users']).toBe(
      `${smtp.SMTP_USER}:${smtp.SMTP_PASSWORD}`,
    );
  });

  it('is idempotent: a second run changes nothing', { timeout: 60_000 }, () => {
    const before = JSON.stringify(first.secrets);
    const second = runScript();
    expect(JSON.stringify(second.secrets)).toBe(before);
    const secondRun = second.log.slice(first.log.length);
    expect(secondRun.filter((l) => l.startsWith('create secret'))).toEqual([]);
    expect(second.stdout).not.toMatch(/created/);
  });

  it('rebuilds a deleted URL Secret from the passwords still stored', { timeout: 60_000 }, () => {
    const stored = JSON.parse(readFileSync(state, 'utf8')) as Secrets;
    delete stored['auth-database'];
    writeFileSync(state, JSON.stringify(stored));
    const third = runScript();
    expect(third.secrets['auth-database']).toEqual(first.secrets['auth-database']);
    expect(third.stdout).toMatch(/auth-database created/);
  });
});
