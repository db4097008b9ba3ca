import { z } from 'zod';
import { baseConfigShape, ConfigError, loadConfig } from '@ucsc/shared';

const schema = z.object({ ...baseConfigShape, PORT: z.coerce.number().int().min(1).describe('TCP port') });

describe('configuration from the environment', () => {
  it('fills defaults and splits the broker list', () => {
    const config = loadConfig(schema, { PORT: '3000', KAFKA_BROKERS: 'a:1, b:2' });
    expect(config.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:16379');
    expect(config.PORT).toBe(3000);
  });

  it('stops start-up naming every bad variable and its rule', () => {
    let error: unknown;
    try {
      loadConfig(schema, { PORT: 'eighty', REDIS_URL: 'not a url', TOPIC_PREFIX: 'Has Spaces' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT: .*\(TCP port\)/);
    expect(message).toMatch(/REDIS_URL: /);
    expect(message).toMatch(/TOPIC_PREFIX: .*lowercase/);
  });
});
