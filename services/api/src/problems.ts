import { COMMON_PROBLEMS, defineProblems } from '@shardgate/shared';

/**
 * Every problem code the API answers with: public, documented API. The OpenAPI document's
 * `ProblemCode` is generated from this catalogue (`UPDATE_OPENAPI=1 npm test --
 * services/api/test/unit/openapi.test.ts`), and an error can only be made from an entry here.
 */
export const API_PROBLEMS = {
  ...COMMON_PROBLEMS,
  ...defineProblems({
    invalid_cursor: {
      status: 400,
      title: 'Invalid cursor',
      when: 'The `cursor` of a listing is not one this API issued.',
    },
    illegal_transition: {
      status: 409,
      title: 'Illegal transition',
      when: 'The order’s status cannot change to the one asked for (a cancelled order cannot be paid).',
    },
    idempotency_key_reused: {
      status: 422,
      title: 'Idempotency key reused',
      when: 'The `Idempotency-Key` was already used by this user with a different body.',
    },
  }),
} as const;

/** A code of the API's catalogue. */
export type ApiProblemCode = keyof typeof API_PROBLEMS;
