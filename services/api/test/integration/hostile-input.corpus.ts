import { type Outcome, textOutcome } from '../../../../tests/support/hostile-bodies.js';

// The API's part of the hostile-input corpora: the order the order corpora start from and the
// API's own answers. What every JSON endpoint of every service shares (the case shape, the
// unreadable bodies, text helpers) is in tests/support/hostile-bodies.ts, re-exported here.

export {
  bytes,
  type Hostile,
  INVALID,
  INVALID_JSON,
  INVALID_TEXT,
  INVALID_UTF8,
  json,
  NOT_FOUND,
  type Outcome,
  TOO_LARGE,
  TYPED_VALUES,
  textOutcome,
  UNSUPPORTED,
  unreadableBodies,
  utf8Header,
  withMember,
} from '../../../../tests/support/hostile-bodies.js';

/** `outcome`, unless the JSON string literal's body `escaped` decodes to unstorable text (400). */
export function escapedTextOutcome(outcome: Outcome, escaped: string): Outcome {
  return textOutcome(outcome, JSON.parse(`"${escaped}"`) as string);
}

/** The list cursor is not one the API issued. */
export const BAD_CURSOR = { status: 400, code: 'invalid_cursor' } as const satisfies Outcome;

/** An order the API accepts; the order corpora change one thing each from it. */
export const VALID_ORDER = {
  items: [{ sku: 'MUG-01', quantity: 2, unitPriceCents: 1250 }],
  currency: 'EUR',
};
