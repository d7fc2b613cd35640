import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { type Problem, problemCodeSchema } from '@shardgate/shared';
import { expect, it } from 'vitest';
import { methodsOf, objects, operationsOf, resolvePointerIn, strings } from './openapi-document.js';
import { expectGeneratedProblemCodes } from './openapi-problem-codes.js';

/** What every service's OpenAPI document must agree with. */
export interface OpenApiContract {
  /** The document's path. */
  readonly document: string;
  /** Path → the methods it has, nothing more and nothing less. */
  readonly paths: Readonly<Record<string, readonly string[]>>;
  /** The service's problem catalogue. */
  readonly problems: Readonly<Record<string, Problem>>;
}

interface Document {
  readonly openapi: string;
  readonly info: { readonly version: string };
  readonly servers: readonly unknown[];
  readonly paths: Record<string, Record<string, unknown>>;
  readonly components: { readonly schemas: Record<string, { readonly enum?: unknown[] }> };
}

/**
 * Registers, in the calling `describe`, the checks every service's OpenAPI document passes: a
 * valid, formatted OpenAPI 3.1 document served from the local gateway; exactly the contract's
 * paths and methods; unique operation ids; the `ProblemCode` schema generated from the catalogue;
 * every problem example of a catalogued code with its status and title, each code with one at
 * least; every `$ref` resolved. Each service's test adds what is its own.
 */
export function itKeepsTheCommonContract(contract: OpenApiContract): void {
  const raw = readFileSync(contract.document, 'utf8');
  const doc = JSON.parse(raw) as Document;
  const problems = Object.values(contract.problems).filter((p) => p.shape !== 'oauth');

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const res = await validator.validate(
      structuredClone(doc) as unknown as Record<string, unknown>,
    );
    expect(res.valid, JSON.stringify(res.errors)).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('0.1.0');
    expect(doc.servers).toEqual([
      { url: 'http://127.0.0.1:8080', description: 'local gateway (npm run up)' },
    ]);
  });

  it('is formatted JSON with a two-space indent', () => {
    expect(raw.split('\n')[1]).toMatch(/^ {2}"openapi"/);
  });

  it('documents every path of the contract with exactly its methods', () => {
    for (const [path, methods] of Object.entries(contract.paths)) {
      const item = doc.paths[path];
      expect(item, path).toBeDefined();
      expect(methodsOf(item ?? {}).sort(), path).toEqual([...methods].sort());
    }
    expect(Object.keys(doc.paths).sort()).toEqual(Object.keys(contract.paths).sort());
  });

  it('gives every operation a unique operationId', () => {
    const ids = operationsOf<{ operationId?: string }>(doc.paths).map(([, , op]) => op.operationId);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('holds the ProblemCode schema generated from the catalogue', () => {
    expectGeneratedProblemCodes(contract.document, problemCodeSchema(contract.problems));
  });

  it('lists every problem code of the catalogue', () => {
    const all = strings(doc);
    for (const { code } of problems) expect(all.has(code), code).toBe(true);
    expect(doc.components.schemas.ProblemCode?.enum?.slice().sort()).toEqual(
      problems.map((p) => p.code).sort(),
    );
  });

  it('gives every code an example, and every example the code’s type, status and title', () => {
    const byCode = new Map(problems.map((p) => [p.code, p]));
    const exemplified = new Set<string>();
    for (const node of objects(doc)) {
      if (typeof node.code !== 'string' || typeof node.type !== 'string') continue;
      const problem = byCode.get(node.code);
      expect(problem, `example of an uncatalogued code ${node.code}`).toBeDefined();
      exemplified.add(node.code);
      expect(node.type).toBe(`https://shardgate.dev/problems/${node.code}`);
      expect(node.status, node.code).toBe(problem?.status);
      expect(node.title, node.code).toBe(problem?.title);
      expect(node.detail, node.code).toEqual(expect.any(String));
    }
    expect([...exemplified].sort()).toEqual([...byCode.keys()].sort());
  });

  it('resolves every internal $ref', () => {
    for (const node of objects(doc)) {
      if (typeof node.$ref !== 'string') continue;
      expect(node.$ref.startsWith('#/'), node.$ref).toBe(true);
      expect(resolvePointerIn(doc, node.$ref), node.$ref).toBeDefined();
    }
  });
}
