import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, loadConfig, port, postgresUrl, postgresUrlList } from '../../src/config.js';

const schema = z.object({
  PORT: port(8080),
  DATABASE_URL: postgresUrl(),
  REPLICA_URLS: postgresUrlList(),
});

describe('loadConfig', () => {
  it('applies defaults, coerces, and freezes the result', () => {
    const config = loadConfig(schema, {
      DATABASE_URL: 'postgresql://u:p@h/db',
      REPLICA_URLS: ' postgresql://a/x , postgresql://b/y',
    });
    expect(config).toEqual({
      PORT: 8080,
      DATABASE_URL: 'postgresql://u:p@h/db',
      REPLICA_URLS: ['postgresql://a/x', 'postgresql://b/y'],
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.REPLICA_URLS)).toBe(true);
  });

  it('names every bad variable and never echoes a value', () => {
    let error: unknown;
    try {
      loadConfig(schema, { PORT: '70000', DATABASE_URL: 'mysql://root:hunter2@h/db' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems.map((p) => p.split(':')[0])).toEqual(['PORT', 'DATABASE_URL']);
    expect(message).not.toContain('hunter2');
  });
});
