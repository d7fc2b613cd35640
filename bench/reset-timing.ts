/**
 * The password reset timing benchmark: does `POST /auth/password/reset` answer as fast for an
 * address that has an account as for one that has none? Each request goes to the bench stack's
 * auth service from an address of its own (`X-Forwarded-For`, one proxy hop trusted as in a
 * deployment), so the per-IP limit does not apply; every address is asked once per round, accounts
 * (the seeded users') and unknown ones in a shuffled order, with a pause after each request so
 * that the mail an account's request causes after its answer is written and sent before the next
 * one starts. Target: medians within 10 % of each other. Run it through bench/run.ts
 * (`reset-timing`).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { mailpitUrl } from '../scripts/stack/mailpit.js';
import { redisUrl } from '../scripts/stack/redis.js';
import { type BenchContext, type RunRecord, runRecord, writeResults } from './lib/context.js';
import { call } from './lib/http.js';
import { machineMarkdown } from './lib/machine.js';
import { log } from './lib/procs.js';
import { fmt, median, type Percentiles, percentiles } from './lib/stats.js';

export const NAME = 'reset-timing';
/** The larger median over the smaller must not exceed this. */
export const TARGET_RATIO = 1.1;
/** After each request: the account's mail (a lookup, a transaction, an SMTP send) is done by then. */
const PAUSE_MS = 40;

/** One class of addresses' answer times, milliseconds. */
export interface ResetSide {
  readonly requests: number;
  readonly latencyMs: Percentiles;
  readonly medianPerRoundMs: readonly number[];
}

/** What the benchmark records. */
export interface ResetTimingResult {
  readonly benchmark: typeof NAME;
  readonly run: RunRecord;
  readonly rounds: number;
  readonly addressesPerRound: { readonly accounts: number; readonly unknown: number };
  readonly sides: { readonly accounts: ResetSide; readonly unknown: ResetSide };
  /** Reset mails Mailpit received during the run: one per account request, none for the rest. */
  readonly resetMailsDelivered: number;
  /** Median answer time for accounts over unknown addresses. */
  readonly medianRatio: number;
  readonly targetRatio: number;
  readonly targetMet: boolean;
}

/** The `email` claim of a seeded user's access token. */
function emailOf(token: string): string {
  const payload = token.split('.')[1] ?? '';
  const email = (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { email?: unknown })
    .email;
  if (typeof email !== 'string') throw new Error('reset-timing: a seeded token has no email');
  return email;
}

/** A client address no other request of the run uses (10.x.y.z). */
function addressFor(index: number): string {
  return `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export async function runResetTiming(
  ctx: BenchContext,
): Promise<{ result: ResetTimingResult; files: { markdown: string; json: string } }> {
  const startedAt = new Date();
  const { layout, options } = ctx;
  const url = `http://127.0.0.1:${layout.ports.auth}/auth/password/reset`;
  const accounts = ctx.tokens.map(emailOf);
  // an earlier run within the hour counted these addresses: the stack is the benchmark's own
  const redis = new Redis(redisUrl(layout, ctx.secrets), { lazyConnect: true });
  await redis.connect();
  try {
    const stale = await redis.keys('auth:rl:reset-*');
    if (stale.length > 0) await redis.del(...stale);
  } finally {
    redis.disconnect();
  }

  // the stack's own inbox, emptied so that it counts this run's mail only
  await call(`${mailpitUrl(layout)}/api/v1/messages`, { method: 'DELETE' });

  const samples = { accounts: [] as number[][], unknown: [] as number[][] };
  let sent = 0;
  const ask = async (email: string): Promise<number> => {
    const began = performance.now();
    const answer = await call(url, {
      json: { email },
      headers: { 'x-forwarded-for': addressFor(sent++) },
    });
    const ms = performance.now() - began;
    if (answer.status !== 202)
      throw new Error(`reset-timing: ${email} answered ${answer.status} ${answer.text}`);
    await sleep(PAUSE_MS);
    return ms;
  };
  // warm-up: connections, the prepared statements, the mail path (accounts the rounds use least)
  for (const email of accounts.slice(-3)) await ask(email);
  for (let i = 0; i < 5; i++) await ask(`warmup-${i}-${startedAt.getTime()}@bench.invalid`);

  const perRound = Math.min(accounts.length, options.quick ? 20 : 100);
  for (let round = 0; round < options.rounds; round++) {
    // rounds take turns over the accounts: each is asked at most PASSWORD_RESETS_PER_ADDRESS (3)
    // times an hour with up to 4 rounds of 100 out of 200
    const known = Array.from({ length: perRound }, (_, i) => ({
      email: accounts[(round * perRound + i) % accounts.length] as string,
      known: true,
    }));
    const unknown = known.map((_, i) => ({
      email: `nobody-${round}-${i}-${startedAt.getTime()}@bench.invalid`,
      known: false,
    }));
    const times = { accounts: [] as number[], unknown: [] as number[] };
    for (const { email, known: isKnown } of shuffled([...known, ...unknown]))
      (isKnown ? times.accounts : times.unknown).push(await ask(email));
    samples.accounts.push(times.accounts);
    samples.unknown.push(times.unknown);
    log(
      `reset-timing: round ${round + 1}: medians ${fmt(median(times.accounts), 3)} ms (accounts) vs ${fmt(median(times.unknown), 3)} ms (unknown)`,
    );
  }

  // the accounts' requests really did their work: one reset mail each reached the SMTP server
  const expectedMails = 3 + options.rounds * perRound;
  const resetMailsDelivered = await resetMailsIn(mailpitUrl(layout), expectedMails);
  if (resetMailsDelivered !== expectedMails)
    throw new Error(
      `reset-timing: Mailpit holds ${resetMailsDelivered} reset mails, expected ${expectedMails}`,
    );
  const side = (rounds: number[][]): ResetSide => ({
    requests: rounds.flat().length,
    latencyMs: percentiles(rounds.flat()),
    medianPerRoundMs: rounds.map(median),
  });
  const sides = { accounts: side(samples.accounts), unknown: side(samples.unknown) };
  const medianRatio = sides.accounts.latencyMs.p50 / sides.unknown.latencyMs.p50;
  const result: ResetTimingResult = {
    benchmark: NAME,
    run: runRecord(ctx, startedAt),
    rounds: options.rounds,
    addressesPerRound: { accounts: perRound, unknown: perRound },
    sides,
    resetMailsDelivered,
    medianRatio,
    targetRatio: TARGET_RATIO,
    targetMet: Math.max(medianRatio, 1 / medianRatio) <= TARGET_RATIO,
  };
  const files = writeResults(ctx, NAME, startedAt, renderMarkdown(result), result);
  return { result, files };
}

/** The reset mails in the bench stack's Mailpit, once `expected` arrived or 60 s passed. */
async function resetMailsIn(baseUrl: string, expected: number): Promise<number> {
  const query = encodeURIComponent('subject:"Reset your password"');
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = await call(`${baseUrl}/api/v1/search?query=${query}&limit=1`);
    const total = (answer.body as { messages_count?: number }).messages_count ?? 0;
    if (total >= expected || Date.now() > deadline) return total;
    await sleep(200);
  }
}

function renderMarkdown(r: ResetTimingResult): string {
  const row = (name: string, s: ResetSide) =>
    `| ${name} | ${s.requests} | ${fmt(s.latencyMs.p50, 3)} | ${fmt(s.latencyMs.p90, 3)} | ${fmt(s.latencyMs.p99, 3)} | ${s.medianPerRoundMs.map((m) => fmt(m, 3)).join(', ')} |`;
  return `# Password reset timing: accounts vs unknown addresses

${machineMarkdown(r.run.machine)}

Command: \`${r.run.command}\`; started ${r.run.startedAt}, finished ${r.run.finishedAt}.

\`POST /auth/password/reset\` to the bench stack's auth service, every address once per round,
accounts and unknown addresses shuffled, ${PAUSE_MS} ms after each answer, each request from a
client address of its own. Target: the medians within ${Math.round((TARGET_RATIO - 1) * 100)} %.

| addresses | requests | p50 ms | p90 ms | p99 ms | median per round, ms |
|---|---:|---:|---:|---:|---|
${row('accounts', r.sides.accounts)}
${row('unknown', r.sides.unknown)}

Reset mails delivered to the stack's Mailpit during the run: ${r.resetMailsDelivered}, one per
request for an account (warm-up included), none for the unknown addresses.

Median ratio (accounts / unknown): **${fmt(r.medianRatio, 3)}** → target ${r.targetMet ? '**met**' : '**not met**'}.
`;
}
