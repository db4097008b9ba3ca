import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { installErrorHandler, HttpError } from '../errors';
import { jsonDepthExceeds, maxJsonDepth } from '../../text';

/**
 * The one error handler and not-found answer of a service, and the JSON body parser whose
 * refusals it names: Fastify's own parser (which refuses __proto__ and constructor keys), after
 * a depth check, since a deeply nested body would overflow the stack of whatever walks it next.
 */
export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    installErrorHandler(app);
    const parse = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (jsonDepthExceeds(body as string, maxJsonDepth)) {
        return done(new HttpError(400, 'too_deeply_nested', `the JSON body nests deeper than ${maxJsonDepth} levels`), undefined);
      }
      parse(request, body as string, done);
    });
  },
  { name: 'ucsc-errors', fastify: '5.x' },
);
