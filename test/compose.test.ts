import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { z } from 'zod';
import { boardConfigSchema } from '@ucsc/board';
import { dispatchConfigSchema } from '@ucsc/dispatch';
import { intakeConfigSchema } from '@ucsc/intake';
import { trackerConfigSchema } from '@ucsc/tracker';
import { notifierConfigSchema } from '@ucsc/notifier';

// There is no Docker engine here: this checks what can be checked without one.
const root = join(__dirname, '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      build?: { context: string; dockerfile: string; args?: Record<string, string> };
      environment?: Record<string, string>;
      restart?: string;
      healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number };
      depends_on?: Record<string, { condition: string }>;
    }
  >;
};
const schemas: Record<string, z.ZodObject> = {
  intake: intakeConfigSchema,
  dispatch: dispatchConfigSchema,
  tracker: trackerConfigSchema,
  board: boardConfigSchema,
  notifier: notifierConfigSchema,
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

  it('the production image runs the Node.js major that the tests run on, a supported LTS line', () => {
    const images = [...readFileSync(join(root, 'Dockerfile'), 'utf8').matchAll(/^FROM node:(\d+)-/gm)].map((m) => Number(m[1]));
    const testedMajor = Number(process.versions.node.split('.')[0]);
    const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies.node as string;
    expect(images.length).toBeGreaterThan(0);
    expect(new Set(images)).toEqual(new Set([testedMajor]));
    expect(pinned).toMatch(new RegExp(`^\\^?${testedMajor}\\.`));
    // even majors are the LTS lines; 20 reached its end of life on 30 April 2026
    expect(testedMajor % 2).toBe(0);
    expect(testedMajor).toBeGreaterThanOrEqual(24);
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

  it.each(['kafka', 'redis', ...Object.keys(schemas)])('%s is restarted when it exits and has a health check', (name) => {
    const service = compose.services[name]!;
    expect(['unless-stopped', 'always', 'on-failure']).toContain(service.restart);
    expect(service.healthcheck?.test[0]).toMatch(/^CMD(-SHELL)?$/);
    expect(service.healthcheck?.timeout).toBeTruthy();
  });

  it('starts a service only once what it needs is healthy (or, for the topic creator, done)', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [needed, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(`${name} → ${needed}: ${condition}`).toBe(`${name} → ${needed}: ${compose.services[needed]!.healthcheck ? 'service_healthy' : 'service_completed_successfully'}`);
      }
    }
    for (const name of Object.keys(schemas)) expect(Object.keys(compose.services[name]!.depends_on ?? {}).sort()).toEqual(['kafka', 'redis', 'topics']);
  });

  describe("each service's health check asks its own /ready", () => {
    // the check's command, run as Docker would, against a stand-in that answers /ready as told
    let server: Server;
    let ready = 200;
    const paths: string[] = [];
    beforeAll(async () => {
      server = createServer((request, response) => {
        paths.push(request.url ?? '');
        response.writeHead(request.url === '/ready' ? ready : 404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const check = async (name: string, port: number) => {
      const [cmd, ...args] = compose.services[name]!.healthcheck!.test.slice(1);
      expect(cmd).toBe('node');
      return promisify(execFile)(process.execPath, args, { env: { ...process.env, PORT: String(port) }, timeout: 10_000 }).then(
        () => 'healthy',
        () => 'unhealthy',
      );
    };

    it.each(Object.keys(schemas))('%s: healthy on 200, unhealthy on 503 or when nothing answers', async (name) => {
      const port = (server.address() as AddressInfo).port;
      expect(compose.services[name]!.environment!.PORT).toMatch(/^\d+$/);
      paths.length = 0;
      ready = 200;
      expect(await check(name, port)).toBe('healthy');
      ready = 503;
      expect(await check(name, port)).toBe('unhealthy');
      expect(paths).toEqual(['/ready', '/ready']);
      // nothing listens on port 1: connection refused
      expect(await check(name, 1)).toBe('unhealthy');
    });
  });
});
