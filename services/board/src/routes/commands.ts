import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  commandUrls,
  canSee,
  commonProblems,
  HttpError,
  identify,
  makeEnvelope,
  messageSchemas,
  problemSchema,
  readIncident,
  text,
  ulidSchema,
  type CommandReply,
  type Publisher,
  type Redis,
  type TopicMessageType,
} from '@ucsc/shared';
import type { CommandReplies } from '../replies';

export interface CommandRoutesOptions {
  redis: Redis;
  redisPrefix: string;
  publisher: Publisher;
  replies: CommandReplies;
  /** how long a command call waits for the tracker's answer before it says 202 (pending) */
  replyTimeoutMs: number;
  retryAfterSeconds: number;
}

type TrackerCommand = TopicMessageType<'incidentCommands'>;
type Command = TrackerCommand | 'incident.override_routing';

/**
 * One route per lifecycle command. The board checks nothing of the lifecycle: the input's shape
 * (the command's own schema, less what the URL says), that the caller may see the incident (404
 * otherwise), then sends the command and waits for the tracker's decision, which it answers as
 * is: 200 applied, 403, 409 naming the state and what it allows, 422; 202 when no answer came in
 * time. The rules live only in the tracker's transition table.
 */
interface CommandRoute {
  type: Command;
  summary: string;
  /** path parameters besides :id that fill the payload */
  params?: readonly ('assigneeId' | 'orderId' | 'teamId')[];
  /** payload fields the body does not carry (filled from the URL) */
  omit?: readonly string[];
  /** the body, when it is not the payload as is (defaults, a rule across fields) */
  body?: z.ZodType;
}

const overrideBody = z
  .strictObject({
    add: z.array(z.strictObject({ kind: z.enum(['enterprise', 'organisation', 'liaison']), id: text(100) })).max(50).default([]),
    remove: z.array(text(100)).max(50).default([]),
    reason: text(2000),
  })
  .refine((b) => b.add.length + b.remove.length > 0, { message: 'add or remove at least one assignee', path: ['add'] });

const routes: readonly CommandRoute[] = [
  { type: 'incident.acknowledge', summary: 'Acknowledge receipt (an assignee that holds the assignment)' },
  { type: 'incident.triage', summary: 'Verify and classify the incident (the receiving unit)' },
  { type: 'incident.assign', summary: 'Assign a responder (coordinators); an enterprise is offered the incident and must accept' },
  { type: 'incident.unassign', params: ['assigneeId'], summary: 'Take an assignee off the incident, with a reason' },
  { type: 'incident.accept_assignment', params: ['assigneeId'], summary: 'Accept an offered assignment' },
  { type: 'incident.decline_assignment', params: ['assigneeId'], summary: 'Decline an offered assignment, with a reason' },
  { type: 'incident.post_progress', summary: 'Post a situation update (free text, attachments by reference; on site is an on-site team’s arrival)' },
  { type: 'incident.request_support', summary: 'Ask for support (people, analysis, direction)' },
  { type: 'incident.contain', summary: 'The incident is contained' },
  { type: 'incident.resolve', summary: 'The response has ended (resolved)' },
  { type: 'incident.submit_final_report', summary: 'Submit the end-of-response report (Biểu mẫu 04)' },
  { type: 'incident.close', summary: 'Close the incident (only after the end-of-response report)' },
  { type: 'incident.reject', summary: 'Not an incident: reject it, with a reason' },
  { type: 'incident.merge', summary: 'Merge into another incident (the same attack): every reporter is kept' },
  { type: 'incident.unmerge', summary: 'Undo a merge: the incident returns to the state it had' },
  { type: 'incident.reopen', summary: 'Reopen an ended, closed or rejected incident, with a reason' },
  { type: 'incident.comment', summary: 'Comment on the incident' },
  { type: 'incident.change_tlp', summary: 'Change the TLP marking (up only, unless a coordinator)' },
  { type: 'incident.change_severity', summary: 'Change the severity (and priority), with a reason' },
  { type: 'incident.issue_coordination_order', summary: 'Issue a coordination order (Biểu mẫu 06) to members, who must answer' },
  { type: 'incident.answer_coordination_order', params: ['orderId'], summary: 'Answer a coordination order' },
  { type: 'incident.escalate_to_ministry', summary: 'The province’s director goes straight to the ministry’s leadership, in one action, with a reason' },
  { type: 'incident.join_meeting', summary: 'Join the online meeting of an engaged liaison leader’s rung (the climb’s deadlineKey, the rung), for an assignee one answers for' },
  { type: 'incident.send_on_site_team', summary: 'Send a team on site (coordinators): an assignee’s people, by name' },
  { type: 'incident.arrive_on_site', params: ['teamId'], summary: 'The team arrived on site (its own people): meets the on-site deadline' },
  { type: 'incident.leave_on_site', params: ['teamId'], summary: 'The team left the site: only once the incident is resolved' },
  { type: 'incident.override_routing', summary: 'Override routing (national coordinators): add or remove assignees, with a reason (judged by dispatch)', body: overrideBody },
];

const commandHeaders = z.looseObject({
  'command-id': ulidSchema
    .optional()
    .describe('A ULID the client chooses for this command: sent again (a retry), it is applied once and answered with the first outcome'),
});

export const commandOutcomeSchema = z.object({
  commandId: ulidSchema,
  outcome: z.enum(['applied', 'refused', 'pending']),
  state: z.string().optional().describe('the incident’s state after the command (or the state that refused it)'),
  eventIds: z.array(z.string()).optional(),
  duplicate: z.boolean().optional().describe('this command id was decided before: its first outcome'),
});
const refusalSchema = problemSchema.extend({
  commandId: ulidSchema.optional().describe('the refused command (absent when refused before it was sent, e.g. csrf_failed)'),
  state: z.string().optional().describe('the state the incident is in'),
  allowed: z.array(z.string()).optional().describe('the commands that state allows'),
});
const responses = {
  ...commonProblems,
  200: commandOutcomeSchema.describe('Applied: the incident’s projection already shows it'),
  202: commandOutcomeSchema.describe('Stored on Kafka, not decided within the wait: read GET /api/v1/commands/{commandId} later'),
  400: problemSchema,
  403: refusalSchema.describe('Not this account’s to do'),
  404: problemSchema.describe('Unknown incident, or not one this account may see'),
  409: refusalSchema.describe('Not allowed in the incident’s state: names the state and what it allows'),
  422: refusalSchema.describe('A rule of the content (e.g. merging an incident into itself)'),
  503: problemSchema.describe('The command could not be stored; retry after Retry-After'),
} as const;

const refusalCodes: Record<number, string> = { 403: 'forbidden', 404: 'not_found', 409: 'not_allowed_in_state', 422: 'rule_broken' };

/** The body a command route takes: the command's payload less the incident id and what the URL carries. */
function bodyOf(route: CommandRoute): z.ZodType {
  if (route.body) return route.body;
  const schema = messageSchemas[route.type] as unknown as z.ZodObject;
  const omitted = Object.fromEntries(['incidentId', ...(route.params ?? []), ...(route.omit ?? [])].map((k) => [k, true as const]));
  return z.strictObject(schema.omit(omitted as never).shape);
}

/** A command is its JSON body, `{}` when it has no fields: a request without one was not meant as a command. */
async function requireBody(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) {
    throw new HttpError(400, 'validation_failed', 'a command is sent as a JSON body ({} when it has no fields)', [{ field: 'body', rule: 'required', message: 'send the command as JSON' }]);
  }
}

export async function commandRoutes(fastify: FastifyInstance, options: CommandRoutesOptions): Promise<void> {
  const { redis, redisPrefix, replies } = options;
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  /** The status and body a sender gets for a command's outcome. */
  function answer(outcome: CommandReply): { code: number; body: unknown } {
    if (outcome.outcome === 'applied') {
      return {
        code: 200,
        body: {
          commandId: outcome.commandId,
          outcome: 'applied',
          ...(outcome.state ? { state: outcome.state } : {}),
          ...(outcome.eventIds ? { eventIds: outcome.eventIds } : {}),
          ...(outcome.duplicate ? { duplicate: true } : {}),
        },
      };
    }
    return {
      code: outcome.status,
      body: {
        error: outcome.code ?? refusalCodes[outcome.status] ?? 'refused',
        message: outcome.reason ?? 'refused',
        commandId: outcome.commandId,
        ...(outcome.state ? { state: outcome.state } : {}),
        ...(outcome.allowed ? { allowed: outcome.allowed } : {}),
      },
    };
  }

  for (const route of routes) {
    const params = z.object({ id: ulidSchema, ...Object.fromEntries((route.params ?? []).map((p) => [p, p === 'assigneeId' ? text(100) : ulidSchema])) });
    const body = bodyOf(route);
    app.post(`/api/v1/incidents/:id/${commandUrls[route.type]}`, { schema: { summary: route.summary, params, headers: commandHeaders, body, response: responses }, preValidation: requireBody }, async (request, reply) => {
      const { id, ...fromUrl } = request.params as { id: string } & Record<string, string>;
      const actor = identify(request);
      const incident = await readIncident(redis, redisPrefix, id);
      if (!incident || !canSee(actor, incident)) throw new HttpError(404, 'not_found', `incident ${id} not found`);
      const chosen = (request.headers as { 'command-id'?: string })['command-id'];
      if (chosen) {
        const before = await replies.stored(chosen);
        if (before) {
          const { code, body: sent } = answer({ ...before, duplicate: true });
          return reply.status(code as 200).send(sent as never);
        }
      }
      const payload = { ...(request.body as object), ...fromUrl, incidentId: id };
      const topic = route.type === 'incident.override_routing' ? 'routingCommands' : 'incidentCommands';
      const command = makeEnvelope(route.type, payload as never, { producedBy: 'board', actor, correlationId: String(request.id), ...(chosen ? { id: chosen } : {}) });
      const outcome = await replies.sendAndWait(command.id, () => send(request, topic, command), options.replyTimeoutMs);
      const { code, body: sent } = outcome ? answer(outcome) : { code: 202, body: { commandId: command.id, outcome: 'pending' } };
      return reply.status(code as 200).send(sent as never);
    });
  }

  async function send(_request: FastifyRequest, topic: 'incidentCommands' | 'routingCommands', command: Parameters<Publisher['publish']>[1][number]) {
    try {
      await options.publisher.publish(topic, [command] as never);
    } catch {
      throw new HttpError(503, 'storage_unavailable', 'the command could not be stored; retry later', [], {
        'retry-after': String(options.retryAfterSeconds),
      });
    }
  }

  const commandParams = z.object({ commandId: ulidSchema });
  app.get('/api/v1/commands/:commandId', {
      schema: {
        summary: 'What became of a command (kept a day)',
        params: commandParams,
        response: { ...responses, 404: problemSchema.describe('No outcome (yet) for this command id') },
      },
    }, async (request, reply) => {
    const outcome = await replies.stored(request.params.commandId);
    // only the sender's own, or what it may see
    const incident = outcome ? await readIncident(redis, redisPrefix, outcome.incidentId) : undefined;
    if (!outcome || (incident && !canSee(identify(request), incident))) throw new HttpError(404, 'not_found', `no outcome for command ${request.params.commandId}`);
    const { code, body } = answer(outcome);
    return reply.status(code as 200).send(body as never);
  });
}
