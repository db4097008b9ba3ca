import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  assignmentAllows,
  canSee,
  commonProblems,
  HttpError,
  identify,
  listRecentIncidents,
  incidentListItem,
  makeEnvelope,
  may,
  mayActFor,
  problemSchema,
  readIncident,
  text,
  ulidSchema,
  incidentViewSchema,
  viewSerializer,
  type Actor,
  type AuditLog,
  type Permission,
  type Publisher,
  type Redis,
  viewFor,
  viewsFor,
} from '@ucsc/shared';

import type { FeedCredential, LiveFeed } from '../feed';

export interface IncidentRoutesOptions {
  redis: Redis;
  redisPrefix: string;
  publisher: Publisher;
  feed: LiveFeed;
  snapshotSize: number;
  exportLimit: number;
  retryAfterSeconds: number;
  audit: AuditLog;
}

const idParams = z.object({ id: ulidSchema });
const feedQuery = z.strictObject({ view: z.enum(['full', 'summary']).default('full') });
const acknowledgeBody = z.strictObject({ assigneeId: text(100), note: text(2000).optional() });
const assigneeParams = idParams.extend({ assigneeId: text(100) });
const acceptBody = z.strictObject({ note: text(2000).optional() });
const declineBody = z.strictObject({ reason: text(2000) });
const overrideBody = z
  .strictObject({
    add: z.array(z.strictObject({ kind: z.enum(['enterprise', 'organisation', 'liaison']), id: text(100) })).max(50).default([]),
    remove: z.array(text(100)).max(50).default([]),
    reason: text(2000),
  })
  .refine((b) => b.add.length + b.remove.length > 0, { message: 'add or remove at least one assignee', path: ['add'] });

/** The role may do this, and the actor answers for that assignee (or coordinates nationally). */
function requireToActFor(actor: Actor, permission: Permission, assigneeId: string): void {
  if (!may(actor, permission) || !mayActFor(actor, assigneeId)) {
    throw new HttpError(403, 'forbidden', `this account may not ${permission.split('.')[1]} for ${assigneeId}`);
  }
}

const commandAccepted = z.object({ commandId: ulidSchema }).describe('The command is on Kafka; the tracker (or dispatch) judges it, and the feed shows the outcome');
/** what each incident route may answer besides its success */
const problems = { ...commonProblems, 400: problemSchema, 404: problemSchema.describe('Unknown incident, or not one this account may see') } as const;
const commandProblems = { ...problems, 409: problemSchema.describe('The assignment does not allow this now'), 503: problemSchema.describe('The command could not be stored; retry after Retry-After') } as const;

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

  const incidentList = z.object({ incidents: z.array(incidentViewSchema) });
  app.get('/api/v1/incidents', { ...viewSerializer, schema: { summary: 'Recent incidents, each as this account may see it', response: { ...commonProblems, 200: incidentList } } }, async (request) => {
    const actor = identify(request);
    return { incidents: await recentViews(actor, options.snapshotSize) };
  });

  // an export is a disclosure: only roles that may export, only what they may see, always audited
  app.get('/api/v1/incidents/export', {
      ...viewSerializer,
      config: { auditedByRoute: true },
      schema: {
        summary: 'Export what this account may see (audited)',
        response: { ...commonProblems, 200: incidentList.extend({ exportedAt: z.string(), exportedBy: z.object({ id: z.string(), name: z.string().optional() }) }) },
      },
    }, async (request, reply) => {
    const actor = identify(request);
    if (!may(actor, 'incidents.export')) throw new HttpError(403, 'forbidden', 'this account may not export incidents');
    const incidents = await recentViews(actor, options.exportLimit);
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

  app.get('/api/v1/incidents/:id', { ...viewSerializer, schema: { summary: 'One incident, as this account may see it', params: idParams, response: { ...problems, 200: incidentViewSchema } } }, async (request) => {
    return viewFor(identify(request), await visibleIncident(request, request.params.id));
  });

  const acknowledge = { summary: 'Acknowledge an assignment (a liaison, organisation or enterprise assigned or accepted)', params: idParams, body: acknowledgeBody, response: { ...commandProblems, 202: commandAccepted } };
  app.post('/api/v1/incidents/:id/acknowledge', { schema: acknowledge }, async (request, reply) => {
    const { id } = request.params;
    const body = request.body;
    const actor = identify(request);
    const incident = await visibleIncident(request, id);
    requireToActFor(actor, 'incident.acknowledge', body.assigneeId);
    const assignee = incident.assignees.find((a) => a.id === body.assigneeId);
    if (!assignee) {
      throw new HttpError(400, 'validation_failed', 'not an assignee of this incident', [
        { field: 'body.assigneeId', rule: 'assigned_to_incident', message: `${body.assigneeId} is not assigned to incident ${id}` },
      ]);
    }
    // an enterprise only offered the incident has not taken it on: it accepts first
    if (!assignmentAllows('acknowledge', assignee.status)) {
      throw new HttpError(409, 'assignment_not_held', `${assignee.name} does not hold this assignment (${assignee.status ?? 'assigned'}); an offer is accepted before it is acknowledged`);
    }
    if (assignee.acknowledgedAt) throw new HttpError(409, 'already_acknowledged', `${assignee.name} already acknowledged`);
    const command = makeEnvelope(
      'incident.acknowledge',
      { incidentId: id, assigneeId: body.assigneeId, ...(body.note ? { note: body.note } : {}) },
      { producedBy: 'board', actor, correlationId: String(request.id) },
    );
    try {
      await options.publisher.publish('incidentCommands', [command]);
    } catch {
      throw new HttpError(503, 'storage_unavailable', 'the command could not be stored; retry later', [], {
        'retry-after': String(options.retryAfterSeconds),
      });
    }
    return reply.status(202).send({ commandId: command.id });
  });

  /** Sends a command on a topic; 503 with Retry-After when it cannot be stored. */
  async function send(topic: 'incidentCommands' | 'routingCommands', command: Parameters<Publisher['publish']>[1][number]) {
    try {
      await options.publisher.publish(topic, [command] as never);
    } catch {
      throw new HttpError(503, 'storage_unavailable', 'the command could not be stored; retry later', [], {
        'retry-after': String(options.retryAfterSeconds),
      });
    }
  }

  /** An enterprise answers the offer of an incident: accept, or decline with a reason. */
  async function offeredAssignee(request: Parameters<typeof identify>[0] & { params: z.infer<typeof assigneeParams> }) {
    const { id, assigneeId } = request.params;
    const incident = await visibleIncident(request, id);
    // who may answer first: the state of someone else's offer is not for others to probe
    requireToActFor(identify(request), 'assignment.respond', assigneeId);
    const assignee = incident.assignees.find((a) => a.id === assigneeId);
    if (!assignee) throw new HttpError(404, 'not_found', `${assigneeId} is not assigned to incident ${id}`);
    if (!assignmentAllows('respond', assignee.status)) throw new HttpError(409, 'no_open_offer', `${assignee.name} has no open offer to answer (${assignee.status ?? 'assigned'})`);
    return { id, assigneeId };
  }

  const answer = (summary: string, body: z.ZodType) => ({ summary, params: assigneeParams, body, response: { ...commandProblems, 202: commandAccepted } });
  app.post('/api/v1/incidents/:id/assignments/:assigneeId/accept', { schema: answer('Accept an offered assignment', acceptBody) }, async (request, reply) => {
    const { id, assigneeId } = await offeredAssignee(request);
    const body = request.body as z.infer<typeof acceptBody>;
    const command = makeEnvelope(
      'incident.accept_assignment',
      { incidentId: id, assigneeId, ...(body.note ? { note: body.note } : {}) },
      { producedBy: 'board', actor: identify(request), correlationId: String(request.id) },
    );
    await send('incidentCommands', command);
    return reply.status(202).send({ commandId: command.id });
  });

  app.post('/api/v1/incidents/:id/assignments/:assigneeId/decline', { schema: answer('Decline an offered assignment, with a reason', declineBody) }, async (request, reply) => {
    const body = request.body as z.infer<typeof declineBody>;
    const { id, assigneeId } = await offeredAssignee(request);
    const command = makeEnvelope(
      'incident.decline_assignment',
      { incidentId: id, assigneeId, reason: body.reason },
      { producedBy: 'board', actor: identify(request), correlationId: String(request.id) },
    );
    await send('incidentCommands', command);
    return reply.status(202).send({ commandId: command.id });
  });

  /** A coordinator overrides routing; dispatch (which owns routing) judges it and records who and why. */
  const override = { summary: 'Override routing (national coordinators): add or remove assignees, with a reason', params: idParams, body: overrideBody, response: { ...commandProblems, 202: commandAccepted } };
  app.post('/api/v1/incidents/:id/routing/override', { schema: override }, async (request, reply) => {
    const { id } = request.params;
    const body = request.body;
    await visibleIncident(request, id);
    if (!may(identify(request), 'routing.override')) throw new HttpError(403, 'forbidden', 'only a national coordinator overrides routing');
    const command = makeEnvelope(
      'incident.override_routing',
      { incidentId: id, add: body.add, remove: body.remove, reason: body.reason },
      { producedBy: 'board', actor: identify(request), correlationId: String(request.id) },
    );
    await send('routingCommands', command);
    return reply.status(202).send({ commandId: command.id });
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
    url: '/api/v1/feed',
    preValidation: [sameOrigin],
    // checked before the upgrade, so a bad query is a 400 rather than a socket closed later
    schema: {
      summary: 'The live feed (WebSocket): a snapshot, then every change this account may see',
      querystring: feedQuery,
      response: { ...commonProblems, 400: problemSchema, 403: problemSchema.describe('forbidden_origin: a page of another site'), 426: problemSchema.describe('upgrade_required: not a WebSocket') },
    },
    // the feed is a WebSocket: a plain request is told so, rather than answered with an empty 404
    handler: async () => {
      throw new HttpError(426, 'upgrade_required', 'the live feed is a WebSocket: connect with Upgrade: websocket', [], { upgrade: 'websocket' });
    },
    wsHandler: async (socket, request) => {
      const actor = identify(request);
      const credential: FeedCredential = request.session
        ? { kind: 'session', token: request.session.token }
        : { kind: 'api_token', token: String(request.headers.authorization).replace(/^Bearer\s+/i, '') };
      const { view } = request.query;
      // subscribe first, then snapshot: a change that lands in between is sent twice, never lost
      options.feed.add(socket, actor, credential, view);
      const incidents = await recentViews(actor, options.snapshotSize);
      // the last line the caller is shown: an internal event it may not see is not named in its list
      const snapshot = view === 'summary' ? incidents.map((i) => incidentListItem(i, i.timeline.at(-1)?.type ?? 'incident.reported')) : incidents;
      socket.send(JSON.stringify({ type: 'snapshot', view, incidents: snapshot }));
    },
  });
}
