import type { z } from 'zod';
import { type FieldError, HttpError } from './http-error.js';
import { COMMON_PROBLEMS } from './problems.js';

/**
 * Validates a parsed body against a schema; on failure throws 422 `validation_failed` with one
 * `errors[]` entry per problem. Messages are the schema's, never the submitted value.
 */
export function validateBody<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.map((issue) => ({
    field: issue.path.join('.') || '(body)',
    code: issue.code === 'unrecognized_keys' ? 'unknown_field' : issue.code,
    message: issue.message,
  }));
  throw new HttpError(COMMON_PROBLEMS.validation_failed, 'The request body is invalid.', {
    errors,
  });
}
