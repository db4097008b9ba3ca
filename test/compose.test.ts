import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { boardConfigSchema } from '@ucsc/board';
import { dispatchConfigSchema } from '@ucsc/dispatch';
import { intakeConfigSchema } from '@ucsc/intake';
import { trackerConfigSchema } from '@ucsc/tracker';

// There is no Docker engine here: this checks what can be checked without one.
const root = join(__dirname, '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { build?: { context: string; dockerfile: string; args?: Record<string, string> }; environment?: Record<string, string> }>;
};
const schemas: Record<string, z.ZodObject> = {
  intake: intakeConfigSchema,
  dispatch: dispatchConfigSchema,
  tracker: trackerConfigSchema,
  board: boardConfigSchema,
};

describe('docker-compose.yml', () => {
  it('runs Kafka, Redis and the four services', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['kafka', 'redis', ...Object.keys(schemas)]));
  });

  it.each(Object.keys(schemas))('%s is built from a Dockerfile that exists, for that service', (name) => {
    const build = compose.services[name]!.build!;
    expect(existsSync(join(root, build.context, build.dockerfile))).toBe(true);
    expect(build.args?.SERVICE).toBe(name);
    expect(existsSync(join(root, 'services', name, 'src', 'server.ts'))).toBe(true);
  });

  it.each(Object.keys(schemas))('%s gets a valid config: every variable it needs, none it does not know, pointing at the compose servers', (name) => {
    const env = compose.services[name]!.environment!;
    const schema = schemas[name]!;
    const known = Object.keys(schema.shape);
    expect(Object.keys(env).filter((k) => !known.includes(k))).toEqual([]);
    const required = known.filter((k) => !schema.shape[k]!.safeParse(undefined).success);
    expect(required.filter((k) => !(k in env))).toEqual([]);
    const parsed = schema.safeParse(env);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data).toMatchObject({ KAFKA_BROKERS: ['kafka:9092'], HOST: '0.0.0.0' });
    expect((parsed.data as { REDIS_URL: string }).REDIS_URL).toBe('redis://redis:6379');
    expect(env.SERVICE_INSTANCE).toBeTruthy();
  });

  it('keeps Redis persistent (AOF) and Kafka on a volume', () => {
    expect(JSON.stringify(compose.services.redis)).toMatch(/appendonly/);
    expect(JSON.stringify(compose.services.kafka)).toMatch(/kafka-data/);
  });
});
