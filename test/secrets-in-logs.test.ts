import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig, redactedPaths } from '@ucsc/shared';
import { boardConfigSchema, buildApp, demoPassword } from '@ucsc/board';
import { createTopics, sessionToken, uniqueNames } from './support';

describe('logs', () => {
  it('never carry passwords, session tokens or API token secrets, even at debug level', async () => {
    const names = uniqueNames('logs');
    await createTopics(names.prefix);
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: 'trace', redact: { paths: redactedPaths, censor: '[redacted]' } }, sink);
    const board = await buildApp(loadConfig(boardConfigSchema, names.env), { logger });
    try {
      await sessionToken(names.redisPrefix, 'hanoi.dieuphoi'); // seeds the accounts
      const login = await board.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'hanoi.dieuphoi', password: demoPassword } });
      expect(login.statusCode).toBe(200);
      const token = login.json().token as string;
      const failed = await board.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'hanoi.dieuphoi', password: 'wrong-password-xyz' } });
      expect(failed.statusCode).toBe(401);
      const issued = await board.inject({ method: 'POST', url: '/api/v1/tokens', headers: { authorization: `Bearer ${token}` }, payload: { name: 'SIEM', scopes: ['reports:write'] } });
      expect(issued.statusCode).toBe(201);
      const secret = issued.json().secret as string;
      await board.inject({ url: '/api/v1/incidents', headers: { authorization: `Bearer ${secret}` } });
      await board.inject({ url: '/api/v1/incidents', headers: { authorization: 'Bearer not-a-real-token' } });

      const log = lines.join('');
      expect(log.length).toBeGreaterThan(0);
      for (const secretValue of [demoPassword, 'wrong-password-xyz', token, secret, secret.split('.')[1]!, 'not-a-real-token']) {
        expect(log).not.toContain(secretValue);
      }
    } finally {
      await board.close();
    }
  });
});
