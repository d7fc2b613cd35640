import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/stack/layout.js';
import { NOTES_KEY, readContractNotes } from '../contract/support/contract-notes.js';
import { schemathesisConfig } from '../contract/support/schemathesis-config.js';

const REASON = 'A reason long enough to say why this behaviour stands as it is.';

/** Writes a minimal document with `root` at its root and `op` as its one operation's extras. */
function documentWith(root: unknown, op: Record<string, unknown> = {}): string {
  const path = join(mkdtempSync(join(tmpdir(), 'contract-notes-')), 'openapi.json');
  const doc = {
    openapi: '3.1.0',
    ...(root === undefined ? {} : { [NOTES_KEY]: root }),
    paths: { '/x': { post: { operationId: 'x', responses: {}, ...op } } },
  };
  writeFileSync(path, JSON.stringify(doc));
  return path;
}

describe('contract notes', () => {
  it('reads both documents of the repository', () => {
    for (const service of ['auth', 'api']) {
      const notes = readContractNotes(join(REPO_ROOT, 'services', service, 'openapi.json'));
      expect(notes.root.flatMap((n) => Object.keys(n.fuzzer)).sort()).toEqual([
        'allow-x00',
        'untested-methods-through-gateway',
      ]);
    }
  });

  it('refuses a note without a reason, and any setting outside its place', () => {
    expect(() => readContractNotes(documentWith([{ fuzzer: { 'allow-x00': false } }]))).toThrow(
      /no reason/,
    );
    expect(() =>
      readContractNotes(
        documentWith([{ reason: REASON, fuzzer: { 'valid-requests-may-answer': [400] } }]),
      ),
    ).toThrow(/not allowed here/);
    expect(() =>
      readContractNotes(
        documentWith(undefined, {
          [NOTES_KEY]: [{ reason: REASON, fuzzer: { checks: { enabled: false } } }],
        }),
      ),
    ).toThrow(/not allowed here/);
  });

  it('allows exactly what the notes name: one status on one operation, TRACE only at the gateway', () => {
    const notes = readContractNotes(
      documentWith(
        [{ reason: REASON, fuzzer: { 'untested-methods-through-gateway': ['TRACE'] } }],
        { [NOTES_KEY]: [{ reason: REASON, fuzzer: { 'valid-requests-may-answer': [400] } }] },
      ),
    );
    const base = { notes, seed: 1, maxExamples: 2, headers: { Authorization: 'Bearer t' } };
    const gateway = schemathesisConfig({ ...base, throughGateway: true });
    expect(gateway).toContain('allow-x00 = true');
    expect(gateway).toContain('[checks]\nenabled = true');
    expect(gateway).toMatch(/unexpected-methods = \[[^\]]*\]/);
    expect(gateway).not.toMatch(/unexpected-methods = \[[^\]]*"trace"/);
    expect(gateway).toContain(
      'include-operation-id = "x"\nchecks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx", 400]',
    );
    expect(schemathesisConfig({ ...base, throughGateway: false })).not.toContain(
      'unexpected-methods',
    );
  });
});
