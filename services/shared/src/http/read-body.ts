import type { Context } from 'koa';
import { HttpError } from './http-error.js';
import { COMMON_PROBLEMS, FORM_PROBLEMS, type Problem } from './problems.js';
import { assertStorableJson, isStorableText } from './storable-text.js';

/** Largest request body accepted by default. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

async function readRaw(ctx: Context, limit: number): Promise<Buffer> {
  const declared = Number(ctx.get('Content-Length') || Number.NaN);
  const tooLarge = () => {
    // the rest of the body is not read: make the client open a new connection
    ctx.set('Connection', 'close');
    return new HttpError(
      COMMON_PROBLEMS.payload_too_large,
      `The request body exceeds ${limit} bytes.`,
    );
  };
  if (declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function decodeUtf8(bytes: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/**
 * The body as text: of one of `types` (415 otherwise, naming the first), at most `limit` bytes
 * (413), valid UTF-8 (`notText` otherwise).
 */
async function readText(
  ctx: Context,
  limit: number,
  types: readonly [string, ...string[]],
  notText: Problem,
): Promise<string> {
  if (!ctx.is(...types)) {
    throw new HttpError(COMMON_PROBLEMS.unsupported_media_type, `Send the body as ${types[0]}.`);
  }
  const text = decodeUtf8(await readRaw(ctx, limit));
  if (text === null) throw new HttpError(notText, 'The body is not valid UTF-8.');
  return text;
}

/**
 * Reads a JSON body: `Content-Type` must be `application/json` (415 otherwise), the body at most
 * `limit` bytes (413), valid UTF-8 and valid JSON (400 `invalid_json`), with no string Postgres
 * cannot store (400 `invalid_text`: see storable-text.ts). Returns the parsed value unvalidated
 * otherwise: callers validate its shape.
 */
export async function readJsonBody(ctx: Context, limit = DEFAULT_BODY_LIMIT): Promise<unknown> {
  const text = await readText(
    ctx,
    limit,
    ['application/json', '+json'],
    COMMON_PROBLEMS.invalid_json,
  );
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(COMMON_PROBLEMS.invalid_json, 'The body is not valid JSON.');
  }
  assertStorableJson(value);
  return value;
}

/**
 * Reads an `application/x-www-form-urlencoded` body into a map. A parameter sent twice is
 * refused, as OAuth 2.0 requires (RFC 6749 §3.1), and so is a name or value holding U+0000 (which
 * Postgres cannot store). Errors carry `code` `invalid_request`, `unsupported_media_type` or
 * `payload_too_large`.
 */
export async function readFormBody(
  ctx: Context,
  limit = DEFAULT_BODY_LIMIT,
): Promise<Map<string, string>> {
  const text = await readText(
    ctx,
    limit,
    ['application/x-www-form-urlencoded'],
    FORM_PROBLEMS.invalid_request,
  );
  const params = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(text)) {
    if (params.has(key))
      throw new HttpError(FORM_PROBLEMS.invalid_request, `Parameter ${key} is repeated.`);
    // URLSearchParams turns a lone surrogate's bytes into U+FFFD: only NUL can get through
    if (!isStorableText(key) || !isStorableText(value))
      throw new HttpError(FORM_PROBLEMS.invalid_request, 'A parameter holds U+0000.');
    params.set(key, value);
  }
  return params;
}
