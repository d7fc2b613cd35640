import { expect } from 'vitest';
import type { Payload } from './hostile-bodies.js';

// How a hostile-input suite asks a service in this process and what it accepts as a refusal: one
// place for the request shapes (text, raw bytes, chunked) and for the meaning of "a 4xx problem".
// services/api/test/support/problem-requests.ts and the auth service's account-hostile suite
// build on it.

/** A service under test in this process: its URL and the log lines it has written. */
export interface ProbedServer {
  readonly url: string;
  readonly logs: readonly string[];
}

/** One request: method, path, and optionally a body, its type, more headers and a token. */
export interface Probe {
  readonly method: string;
  readonly path: string;
  readonly body?: Payload;
  /** Content-Type of the body: `application/json` when undefined, none when null. */
  readonly type?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as `Authorization: Bearer <token>` (after `headers`, so it wins). */
  readonly token?: string;
}

/** The service's answer to a probe, with what it logged at error level meanwhile. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON
  readonly body: any;
  /** Error lines the server logged while the request ran (possibly others' when concurrent). */
  readonly errors: readonly string[];
}

function chunked(bytes: Buffer): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 16 * 1024));
      offset += 16 * 1024;
    },
  });
}

/** Sends `probe` to `server` and reads the whole answer. */
export async function sendProbe(server: ProbedServer, probe: Probe): Promise<Answer> {
  const headers: Record<string, string> = { ...probe.headers };
  if (probe.token !== undefined) headers.authorization = `Bearer ${probe.token}`;
  const init: RequestInit & { duplex?: 'half' } = { method: probe.method, headers };
  if (probe.body !== undefined) {
    const type = probe.type === undefined ? 'application/json' : probe.type;
    if (type !== null) headers['content-type'] = type;
    if (typeof probe.body === 'string') init.body = Buffer.from(probe.body, 'utf8');
    else if (Buffer.isBuffer(probe.body)) init.body = probe.body;
    else {
      init.body = chunked(probe.body.chunked);
      init.duplex = 'half';
    }
  }
  const logged = server.logs.length;
  const response = await fetch(`${server.url}${probe.path}`, init);
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: body stays null, the text is kept
  }
  const errors = serverErrors(server.logs.slice(logged));
  return { status: response.status, headers: response.headers, text, body, errors };
}

/** Error lines of a server's log, shortened to what went wrong where. */
export function serverErrors(lines: readonly string[]): string[] {
  return lines
    .filter((l) => /"level":5\d/.test(l))
    .map((l) => {
      const entry = JSON.parse(l) as {
        method?: string;
        path?: string;
        msg?: string;
        err?: { type?: string; message?: string };
      };
      const cause = (entry.err?.message ?? '').split('\n').filter(Boolean).at(-1) ?? '';
      return `${entry.method} ${entry.path} ${entry.msg}: ${entry.err?.type}: ${cause.slice(0, 300)}`;
    });
}

/** What the server logged at error level while `answer` was made (5xx diagnosis). */
export const serverErrorFor = (answer: Answer): string => answer.errors.join('\n');

/** Why `answer` is not a 4xx problem+json whose `status` matches, or null when it is one. */
export function notAProblem(answer: Answer): string | null {
  if (answer.status < 400 || answer.status >= 500) return `status ${answer.status}`;
  const type = answer.headers.get('content-type') ?? '';
  if (!type.includes('application/problem+json')) return `content-type ${JSON.stringify(type)}`;
  if (typeof answer.body?.code !== 'string') return 'no string code';
  if (answer.body?.status !== answer.status) return `body status ${answer.body?.status}`;
  return null;
}

/** Expects `answer` to be a problem+json of exactly `status` and `code`; `label` names the case. */
export function expectProblem(answer: Answer, label: string, status: number, code: string): void {
  const context = `${label}\n${answer.text.slice(0, 500)}\n${serverErrorFor(answer)}`;
  expect(
    {
      status: answer.status,
      problem: notAProblem(answer),
      code: answer.body?.code,
    },
    context,
  ).toEqual({ status, problem: null, code });
}
