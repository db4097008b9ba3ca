import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  canSee,
  deadlineKinds,
  deadlinesOf,
  deadlinesShownTo,
  scopeOf,
  type ClockSettings,
  commonProblems,
  HttpError,
  identify,
  listRecentIncidents,
  may,
  problemSchema,
  readIncident,
  text,
  ulidSchema,
  renderedIncidentViewSchema,
  languageOf,
  languageQuerySchema,
  viewSerializer,
  withWords,
  type Language,
  type Actor,
  type AuditLog,
  type Redis,
  viewFor,
  viewsFor,
} from '@ucsc/shared';

import type { FeedCredential, LiveFeed } from '../feed';

export interface IncidentRoutesOptions {
  redis: Redis;
  redisPrefix: string;
  feed: LiveFeed;
  snapshotSize: number;
  /** the configured policy and holidays the tracker's clocks use (shared/src/clocks.ts) */
  deadlines: ClockSettings;
  exportLimit: number;
  audit: AuditLog;
}

const idParams = z.object({ id: ulidSchema });
/** what each incident route may answer besides its success */
const problems = { ...commonProblems, 400: problemSchema, 404: problemSchema.describe('Unknown incident, or not one this account may see') } as const;

export async function incidentRoutes(fastify: FastifyInstance, options: IncidentRoutesOptions): Promise<void> {
  const { redis, redisPrefix } = options;
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  /** An incident the caller may see, or 404 — the same 404 as for an id that does not exist. */
  async function visibleIncident(request: Parameters<typeof identify>[0], id: string) {
    const incident = await readIncident(redis, redisPrefix, id);
    if (!incident || !canSee(identify(request), incident)) throw new HttpError(404, 'not_found', `incident ${id} not found`);
    return incident;
  }

  /** Recent incidents, each as the caller may see it (shared/src/access/views). */
  async function recentViews(actor: Actor, limit: number) {
    return viewsFor(actor, await listRecentIncidents(redis, redisPrefix, limit));
  }
  /** The language of the words in an answer: ?lang=, else Accept-Language, else vi. */
  const languageOfRequest = (request: { query: { lang?: Language }; headers: { 'accept-language'?: string } }) => languageOf(request.query.lang, request.headers['accept-language']);

  const incidentList = z.object({ incidents: z.array(renderedIncidentViewSchema) });
  app.get('/api/v1/incidents', { ...viewSerializer, schema: { summary: 'Recent incidents, each as this account may see it', querystring: languageQuerySchema, response: { ...commonProblems, 200: incidentList } } }, async (request) => {
    const actor = identify(request);
    const lang = languageOfRequest(request);
    return { incidents: (await recentViews(actor, options.snapshotSize)).map((i) => withWords(i, lang)) };
  });

  // an export is a disclosure: only roles that may export, only what they may see, always audited
  app.get('/api/v1/incidents/export', {
      ...viewSerializer,
      config: { auditedByRoute: true },
      schema: {
        summary: 'Export what this account may see (audited)',
        querystring: languageQuerySchema,
        response: { ...commonProblems, 200: incidentList.extend({ exportedAt: z.string(), exportedBy: z.object({ id: z.string(), name: z.string().optional() }) }) },
      },
    }, async (request, reply) => {
    const actor = identify(request);
    if (!may(actor, 'incidents.export')) throw new HttpError(403, 'forbidden', 'this account may not export incidents');
    const lang = languageOfRequest(request);
    const incidents = (await recentViews(actor, options.exportLimit)).map((i) => withWords(i, lang));
    await options.audit.record(actor, {
      action: 'incidents.exported',
      outcome: 'success',
      requestId: String(request.id),
      detail: { count: incidents.length, tlp: [...new Set(incidents.map((i) => i.tlp))].join(',') },
    });
    const exportedAt = new Date().toISOString();
    return reply
      .header('content-disposition', `attachment; filename="ucsc-incidents-${exportedAt.slice(0, 10)}.json"`)
      .send({ exportedAt, exportedBy: { id: actor.id, name: actor.name }, incidents });
  });

  app.get(
    '/api/v1/incidents/:id',
    { ...viewSerializer, schema: { summary: 'One incident, as this account may see it, its timeline in the language asked for', params: idParams, querystring: languageQuerySchema, response: { ...problems, 200: renderedIncidentViewSchema } } },
    async (request) => withWords(viewFor(identify(request), await visibleIncident(request, request.params.id))!, languageOfRequest(request)),
  );

  const deadlineSchema = z.object({
    key: z.string(),
    kind: z.enum(deadlineKinds),
    basis: z.enum(['legal', 'policy']),
    dueAt: z.string(),
    remindAt: z.string(),
    metAt: z.string().optional(),
    status: z.enum(['pending', 'met', 'met_late', 'breached']),
    assigneeId: z.string().optional(),
  });
  app.get('/api/v1/incidents/:id/deadlines', {
      schema: {
        summary: 'The incident’s deadlines as of now (the clocks the tracker fires: legal and policy, met, pending or breached)',
        description: 'Measured on the whole incident with the configured response policy and holidays. A submitter gets the legal deadlines only (its own obligations: notify, the end-of-response report); the policy’s internal targets are the network’s.',
        params: idParams,
        response: { ...problems, 200: z.object({ now: z.string(), deadlines: z.array(deadlineSchema) }) },
      },
    }, async (request) => {
    const actor = identify(request);
    const incident = await visibleIncident(request, request.params.id);
    const now = new Date();
    const all = deadlinesOf(incident, { ...options.deadlines, clock: () => now });
    const shown = deadlinesShownTo(scopeOf(actor, incident), all);
    return { now: now.toISOString(), deadlines: shown };
  });

  /** The host of an Origin header, or undefined when it is not a URL (a malformed Origin is refused, never a 500). */
  const hostOf = (origin: string) => {
    try {
      return new URL(origin).host;
    } catch {
      return undefined;
    }
  };

  // a browser sends its cookie with a WebSocket from any site: accept only pages of this origin
  const sameOrigin = async (request: { headers: Record<string, string | string[] | undefined> }) => {
    const origin = request.headers.origin;
    if (origin !== undefined && (typeof origin !== 'string' || hostOf(origin) !== request.headers.host)) {
      throw new HttpError(403, 'forbidden_origin', 'the live feed is only for pages of this site');
    }
  };

  app.route({
    method: 'GET',
    url: '/api/v2/feed',
    preValidation: [sameOrigin],
    schema: {
      summary: 'The live feed (WebSocket): subscriptions by scope and filters, paged snapshots with true counts, deltas, positions to resume from (protocol: shared/src/contracts/feed.ts)',
      querystring: z.strictObject({}),
      response: { ...commonProblems, 400: problemSchema, 403: problemSchema.describe('forbidden_origin: a page of another site'), 426: problemSchema.describe('upgrade_required: not a WebSocket') },
    },
    handler: async () => {
      throw new HttpError(426, 'upgrade_required', 'the live feed is a WebSocket: connect with Upgrade: websocket', [], { upgrade: 'websocket' });
    },
    wsHandler: async (socket, request) => {
      const credential: FeedCredential = request.session
        ? { kind: 'session', token: request.session.token }
        : { kind: 'api_token', token: String(request.headers.authorization).replace(/^Bearer\s+/i, '') };
      // the client says what it wants in frames
      options.feed.add(socket, identify(request), credential);
    },
  });
}
