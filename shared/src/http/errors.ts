import { classifyError } from '../bus/errors';
import type { FastifyError, FastifyInstance } from 'fastify';
import { z } from 'zod';
import { fieldProblems, type FieldProblem } from '../contracts/problems';

// the problems of a parse are a contract (the web app names them too): shared/src/contracts/problems.ts
export { fieldProblems, type FieldProblem } from '../contracts/problems';

/** An error with an HTTP status and a machine-readable code; the only kind routes throw. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly problems: FieldProblem[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** A 400 naming every problem at once. */
export function invalidFields(problems: FieldProblem[]): HttpError {
  return new HttpError(400, 'validation_failed', `${problems.length} field(s) are invalid`, problems);
}

export function validationError(error: z.ZodError, root = 'body'): HttpError {
  return invalidFields(fieldProblems(error, root));
}

/** Parses with a zod schema, or throws a 400 naming every invalid field at once. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, root = 'body'): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, root);
  return result.data;
}

const fastifyCodes: Record<string, { status: number; code: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'body_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_content_length' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'empty_body' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json' },
  // @fastify/under-pressure, while the event loop lags (it set Retry-After)
  FST_UNDER_PRESSURE: { status: 503, code: 'overloaded' },
};

/** The one error handler of every service: 4xx say what is wrong; 5xx say nothing internal. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError | Error, request, reply) => {
    if (error instanceof HttpError) {
      for (const [k, v] of Object.entries(error.headers)) void reply.header(k, v);
      return reply.status(error.statusCode).send({
        error: error.code,
        message: error.message,
        ...(error.problems.length ? { problems: error.problems } : {}),
      });
    }
    const known = 'code' in error && typeof error.code === 'string' ? fastifyCodes[error.code] : undefined;
    if (known) return reply.status(known.status).send({ error: known.code, message: error.message });
    if (error instanceof SyntaxError || ('statusCode' in error && error.statusCode === 400)) {
      return reply.status(400).send({ error: 'bad_request', message: error.message });
    }
    const status = 'statusCode' in error && typeof error.statusCode === 'number' && error.statusCode < 500 ? error.statusCode : 500;
    if (status < 500) return reply.status(status).send({ error: 'bad_request', message: error.message });
    // Kafka or Redis away for a moment (a restart, a failover): the caller should come back, not give up
    if (classifyError(error) === 'transient') {
      request.log.warn({ err: error }, 'request failed on a store that is away; answered 503');
      return reply.status(503).header('retry-after', '5').send({ error: 'service_unavailable', message: 'a store this service needs is not answering; retry later', requestId: request.id });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ error: 'internal_error', message: 'internal error', requestId: request.id });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: 'not_found', message: `${request.method} ${request.url.split('?')[0]} does not exist` }),
  );
}
