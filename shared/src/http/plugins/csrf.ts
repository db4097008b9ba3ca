import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from '../errors';
import { sha256Hex } from '../../identity/tokens';
import { safeMethods } from './authentication';

/**
 * A cookie session must echo its CSRF token (the double-submit value given at sign-in) in the
 * X-CSRF-Token header on every write; a bearer token is not sent by a browser on its own, so needs none.
 */
export const csrfPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('preParsing', async (request) => {
      const session = request.session;
      if (!session?.viaCookie || safeMethods.has(request.method)) return;
      const echoed = request.headers['x-csrf-token'];
      if (typeof echoed !== 'string' || !session.csrfHash || sha256Hex(echoed) !== session.csrfHash) {
        throw new HttpError(403, 'csrf_failed', 'a cookie session must send its CSRF token in the X-CSRF-Token header');
      }
    });
  },
  { name: 'ucsc-csrf', fastify: '5.x', dependencies: ['ucsc-authentication'] },
);
