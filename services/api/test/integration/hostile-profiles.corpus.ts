import type { Hostile } from './hostile-input.corpus.js';
import {
  escapedTextOutcome,
  INVALID,
  json,
  TYPED_VALUES,
  unreadableBodies,
  withMember,
} from './hostile-input.corpus.js';

// POST /api/users (create or update one's profile): the body is optional, `name` the only field.

function profileCorpus(): Hostile[] {
  const valid = json({ name: 'Zoë' });
  const cases: Hostile[] = [...unreadableBodies(valid, { emptyBodyIsValid: true })];
  for (const [what, raw] of Object.entries(TYPED_VALUES)) {
    if (raw !== '{}') cases.push({ name: `the body as ${what}`, ...INVALID, body: raw });
    if (raw !== 'null' && raw !== '"2"') {
      cases.push({ name: `name as ${what}`, ...INVALID, body: `{"name":${raw}}` });
    }
  }
  const names: Record<string, string> = {
    'an empty string': '',
    'only spaces': '   ',
    'only an ideographic space': '\u3000',
    'only tabs and newlines': '\\t\\n\\r',
    '101 characters': 'x'.repeat(101),
    'an escaped NUL': 'Ada\\u0000',
    'a C1 control (NEL)': 'Ada\\u0085Lovelace',
    'an escape character': 'Ada\\u001b[31m',
    'a DEL': 'Ada\\u007f',
    'a lone high surrogate': 'Ada\\ud800',
    'a lone low surrogate': '\\udc00Ada',
    'reversed surrogates': '\\udc00\\ud800',
    '200 combining marks (Zalgo)': `A${'\u0301'.repeat(200)}`,
    '15 family emoji (105 code points)': '👩‍👩‍👧‍👦'.repeat(15),
  };
  for (const [what, name] of Object.entries(names)) {
    cases.push({
      name: `a name with ${what}`,
      ...escapedTextOutcome(INVALID, name),
      body: `{"name":"${name}"}`,
    });
  }
  const unknownMembers: Record<string, string> = {
    'a role field': '"role":"admin"',
    'an email field': '"email":"root@example.com"',
    'a userId field': '"userId":"1"',
    'an unknown field': '"nickname":"x"',
    __proto__: '"__proto__":{"polluted":true}',
    '__proto__ carrying a name': '"__proto__":{"name":"Mallory"}',
    constructor: '"constructor":{"prototype":{"polluted":true}}',
  };
  for (const [what, member] of Object.entries(unknownMembers)) {
    cases.push({
      name: `${what} beside a valid name`,
      ...INVALID,
      body: withMember(valid, member),
    });
    cases.push({ name: `${what} alone`, ...INVALID, body: `{${member}}` });
  }
  cases.push({
    name: 'a duplicate name key whose last value is invalid',
    ...INVALID,
    body: '{"name":"Ada","name":7}',
  });
  return cases;
}

/**
 * Hostile bodies for `POST /api/users`, each with its exact answer: unreadable bodies (an empty
 * one is valid here), wrong types, names that are blank, too long, or hold controls, lone
 * surrogates or piles of combining marks, and fields a user may not set.
 */
export const PROFILE_CORPUS: readonly Hostile[] = profileCorpus();
