import { readFileSync } from 'node:fs';

/**
 * What a contract note may ask of the fuzzer, and nothing else: each key is the narrowest setting
 * that lets one documented, accepted behaviour pass.
 */
export interface FuzzerAllowance {
  /** Document-wide: no U+0000 in generated strings (the services refuse it, 400). */
  readonly 'allow-x00'?: false;
  /** Document-wide: methods the gateway answers itself, left out of the undeclared-method probes through it. */
  readonly 'untested-methods-through-gateway'?: readonly string[];
  /** One path: methods it answers although the document cannot declare them (no OpenAPI 3.1 field). */
  readonly 'untested-methods'?: readonly string[];
  /** One operation: statuses a schema-valid request may also get (state no schema can express). */
  readonly 'valid-requests-may-answer'?: readonly number[];
}

/** One `x-shardgate-contract-notes` entry: why a behaviour stands, and what the fuzzer may allow for it. */
export interface ContractNote {
  readonly reason: string;
  readonly fuzzer: FuzzerAllowance;
}

/** The notes of one OpenAPI document, where they were found. */
export interface DocumentNotes {
  /** The document-wide notes (its root). */
  readonly root: readonly ContractNote[];
  /** Notes of path items, by path. */
  readonly paths: ReadonlyMap<string, readonly ContractNote[]>;
  /** Notes of operations, by `operationId`. */
  readonly operations: ReadonlyMap<string, readonly ContractNote[]>;
}

/** The extension every note lives in. */
export const NOTES_KEY = 'x-shardgate-contract-notes';

const ROOT_KEYS = new Set(['allow-x00', 'untested-methods-through-gateway']);
const PATH_KEYS = new Set(['untested-methods']);
const OPERATION_KEYS = new Set(['valid-requests-may-answer']);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function parseNotes(value: unknown, where: string, allowed: ReadonlySet<string>): ContractNote[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length === 0)
    throw new Error(`${where}: ${NOTES_KEY} must be a non-empty array`);
  return value.map((note: unknown, index) => {
    const { reason, fuzzer, ...rest } = (note ?? {}) as Record<string, unknown>;
    const at = `${where} ${NOTES_KEY}[${index}]`;
    if (Object.keys(rest).length > 0) throw new Error(`${at}: unknown keys ${Object.keys(rest)}`);
    // a reason is what makes an exception acceptable: it must say something
    if (typeof reason !== 'string' || reason.length < 40) throw new Error(`${at}: no reason`);
    if (fuzzer === null || typeof fuzzer !== 'object') throw new Error(`${at}: no fuzzer`);
    for (const key of Object.keys(fuzzer)) {
      if (!allowed.has(key)) throw new Error(`${at}: "${key}" is not allowed here`);
    }
    return { reason, fuzzer: fuzzer as FuzzerAllowance };
  });
}

/**
 * Reads the contract notes of the OpenAPI document at `path`, refusing a note without a reason or
 * asking for a setting not in {@link FuzzerAllowance} (at the root, only document-wide keys; on a
 * path item, only a path's; on an operation, only that operation's).
 */
export function readContractNotes(path: string): DocumentNotes {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown> & {
    paths: Record<string, Record<string, Record<string, unknown>>>;
  };
  const root = parseNotes(doc[NOTES_KEY], path, ROOT_KEYS);
  const paths = new Map<string, ContractNote[]>();
  const operations = new Map<string, ContractNote[]>();
  for (const [route, item] of Object.entries(doc.paths)) {
    const pathNotes = parseNotes(item[NOTES_KEY], route, PATH_KEYS);
    if (pathNotes.length > 0) paths.set(route, pathNotes);
    for (const method of METHODS) {
      const op = item[method];
      if (op === undefined) continue;
      const notes = parseNotes(op[NOTES_KEY], `${method} ${route}`, OPERATION_KEYS);
      if (notes.length > 0) operations.set(String(op.operationId), notes);
    }
  }
  return { root, paths, operations };
}
