import { describe, expect, it } from 'vitest';
import { HttpError, problemBody } from '../../src/http/http-error.js';
import { problemCodeSchema } from '../../src/http/problem-openapi.js';
import { COMMON_PROBLEMS, defineProblems, FORM_PROBLEMS } from '../../src/http/problems.js';

describe('defineProblems', () => {
  const catalogue = defineProblems({
    teapot: { status: 418, title: 'Teapot', when: 'Asked for coffee.' },
    out_of_tea: { status: 503, title: 'Out of tea', when: 'The pot is empty.', shape: 'oauth' },
  });

  it('gives each entry its code, status, title and when', () => {
    expect(catalogue.teapot).toEqual({
      code: 'teapot',
      status: 418,
      title: 'Teapot',
      when: 'Asked for coffee.',
    });
    expect(Object.isFrozen(catalogue) && Object.isFrozen(catalogue.teapot)).toBe(true);
  });

  it('refuses a code that is not snake_case and a status that is not an error', () => {
    expect(() => defineProblems({ 'Bad-Code': { status: 400, title: 't', when: 'w' } })).toThrow(
      /not snake_case/,
    );
    expect(() => defineProblems({ fine: { status: 302, title: 't', when: 'w' } })).toThrow(
      /not 4xx or 5xx/,
    );
  });

  it('is the only way to make an HttpError: a code outside a catalogue does not typecheck', () => {
    // the lines marked @ts-expect-error fail `npm run typecheck` the day they compile
    // @ts-expect-error an object literal is not a catalogue entry
    const forged = new HttpError({ code: 'typo', status: 400, title: 'T', when: 'w' }, 'detail');
    // @ts-expect-error a code the catalogue does not have
    const missing = () => COMMON_PROBLEMS.typo;
    expect(forged.code).toBe('typo'); // at run time nothing stops it: the type checker does
    expect(missing()).toBeUndefined();
  });

  it('makes errors whose status, code and title come from the entry', () => {
    const error = new HttpError(catalogue.teapot, 'No coffee here.', {
      headers: { 'Retry-After': '1' },
    });
    expect(problemBody(error, 'https://example.test/problems/')).toEqual({
      type: 'https://example.test/problems/teapot',
      title: 'Teapot',
      status: 418,
      detail: 'No coffee here.',
      code: 'teapot',
    });
    expect(error.headers).toEqual({ 'Retry-After': '1' });
  });

  it('adds extension members, which cannot replace the standard ones', () => {
    const error = new HttpError(catalogue.teapot, 'Pour here.', {
      extensions: { cup_token: 'abc', code: 'coffee', status: 200 },
    });
    expect(problemBody(error, 'https://example.test/problems/')).toEqual({
      cup_token: 'abc',
      type: 'https://example.test/problems/teapot',
      title: 'Teapot',
      status: 418,
      detail: 'Pour here.',
      code: 'teapot',
    });
  });
});

describe('problemCodeSchema', () => {
  it('lists the problem+json codes by status then code, with a table, and leaves out OAuth ones', () => {
    const schema = problemCodeSchema({ ...COMMON_PROBLEMS, ...FORM_PROBLEMS });
    expect(schema.enum).not.toContain('invalid_request');
    expect(schema.enum).toEqual([
      'bad_request',
      'invalid_json',
      'invalid_text',
      'invalid_token',
      'not_found',
      'method_not_allowed',
      'payload_too_large',
      'unsupported_media_type',
      'validation_failed',
      'internal_error',
      'not_ready',
    ]);
    expect(schema.description).toContain('| `not_found` | 404 | Not found | No resource');
  });
});
