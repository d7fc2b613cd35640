/** A response with its body read and, when it is JSON, parsed. */
export interface CallResult {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  readonly text: string;
}

/** Sends one request with an optional JSON body and reads the whole answer. */
export async function call(
  url: string,
  options: {
    method?: string;
    json?: unknown;
    headers?: Record<string, string>;
    timeoutMs?: number;
  } = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method: options.method ?? (options.json === undefined ? 'GET' : 'POST'),
    headers,
    body: options.json === undefined ? null : JSON.stringify(options.json),
    signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** Runs `task` over `items` with at most `limit` at once; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= items.length) return;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A request the benchmark sends before it measures, and the status it must get. */
export interface SanityCheck {
  readonly what: string;
  readonly url: string;
  /** Sent as `Authorization: Bearer`; none when absent. */
  readonly token?: string;
  readonly expect: number;
}

/** A side of a gateway comparison must pass a valid token and refuse a forged one and none. */
export function tokenChecks(side: string, url: string, token: string): SanityCheck[] {
  return [
    { what: `${side} with a valid token`, url, token, expect: 200 },
    { what: `${side} with a forged token`, url, token: `${token}x`, expect: 401 },
    { what: `${side} without a token`, url, expect: 401 },
  ];
}

/**
 * Sends every check's request in order; throws, naming every status, when one differs from what
 * it must be. Returns the statuses by `what`, for the report.
 */
export async function runSanityChecks(
  name: string,
  checks: readonly SanityCheck[],
): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  for (const check of checks) {
    const headers = check.token ? { authorization: `Bearer ${check.token}` } : undefined;
    statuses[check.what] = (await call(check.url, headers ? { headers } : {})).status;
  }
  if (checks.some((check) => statuses[check.what] !== check.expect))
    throw new Error(`${name} sanity checks failed: ${JSON.stringify(statuses)}`);
  return statuses;
}
