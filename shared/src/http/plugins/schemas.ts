import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { z } from 'zod';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { normalizeText } from '../../text';
import { validationError } from '../errors';

/** The name a 400 gives each part of a request (`body.title`, `query.kind`, `params.id`, `headers.idempotency-key`). */
const partNames: Record<string, string> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

/**
 * Routes declare their schemas (params, query, headers, body, each response) in zod, with
 * fastify-type-provider-zod's types: Fastify validates each part with them before the handler
 * runs, and the OpenAPI document (api-docs.ts) is generated from the same declarations. Its own
 * validator answers in another shape; ours names every field and rule as every 400 does
 * (errors.ts), after the text of body and query is made NFC. Responses are serialised by the type
 * provider: a field a response schema does not declare is not sent.
 */
export const schemasPlugin = fp(
  async (app: FastifyInstance) => {
    app.setValidatorCompiler(({ schema, httpPart }) => {
      const part = partNames[httpPart ?? ''] ?? String(httpPart);
      const text = part === 'body' || part === 'query';
      return (data: unknown) => {
        const result = (schema as z.ZodType).safeParse(text ? normalizeText(data ?? {}) : data);
        return result.success ? { value: result.data } : { error: validationError(result.error, part) };
      };
    });
    app.setSerializerCompiler(serializerCompiler);
  },
  { name: 'ucsc-schemas', fastify: '5.x' },
);

/**
 * For a route whose answer is an audience's view of an incident (shared/src/access/views.ts): the
 * view leaves out fields per audience, so the declared schema (the whole view) documents the
 * answer and is not enforced on it; the view functions are what decide what is sent.
 */
export const viewSerializer = { serializerCompiler: () => (data: unknown) => JSON.stringify(data) };
