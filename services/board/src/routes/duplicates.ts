import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { canSee, commonProblems, duplicateKeysOf, HttpError, identify, incidentsSharing, problemSchema, readIncident, readIncidents, ulidSchema, viewFor, type Redis } from '@ucsc/shared';
import { likelyDuplicates } from '../duplicates';

export interface DuplicateRoutesOptions {
  redis: Redis;
  redisPrefix: string;
  /** how far apart in detection time two reports of one attack may be */
  windowHours: number;
}

const reasonSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('same_organisation_and_system'), organisation: z.string(), system: z.string() }),
  z.object({ kind: z.literal('shared_ip'), ips: z.array(z.string()) }),
  z.object({ kind: z.literal('shared_domain'), domains: z.array(z.string()) }),
]);
const suggestionsSchema = z.object({
  incidentId: ulidSchema,
  windowHours: z.number(),
  suggestions: z.array(
    z.object({
      incidentId: ulidSchema,
      title: z.string(),
      state: z.string(),
      reportingOrganisation: z.string(),
      detectedAt: z.string(),
      reasons: z.array(reasonSchema),
    }),
  ),
});

/**
 * Likely duplicates of an incident (issue 12), for the coordinator to merge in one action (the
 * merge command). Only incidents the caller may see are suggested, and only for one it may see.
 */
export async function duplicateRoutes(fastify: FastifyInstance, options: DuplicateRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/api/v1/incidents/:id/duplicates', {
      schema: {
        summary: 'Likely duplicates of an incident: same organisation and affected system, or a shared public IP or domain, detected within the window; only those this account may see',
        params: z.object({ id: ulidSchema }),
        querystring: z.strictObject({ windowHours: z.coerce.number().positive().max(24 * 90).optional().describe('Overrides the configured window, in hours') }),
        response: { ...commonProblems, 400: problemSchema, 404: problemSchema.describe('Unknown incident, or not one this account may see'), 200: suggestionsSchema },
      },
    }, async (request) => {
    const actor = identify(request);
    const incident = await readIncident(options.redis, options.redisPrefix, request.params.id);
    if (!incident || !canSee(actor, incident)) throw new HttpError(404, 'not_found', `incident ${request.params.id} not found`);
    const windowHours = request.query.windowHours ?? options.windowHours;
    // the tracker's index names the incidents sharing a trait within the window (two round trips,
    // whatever the number of incidents); the full views are compared (an IP only the reporter's
    // form shows still counts), but only incidents the caller may see are named
    const at = Date.parse(incident.detectedAt);
    const window = windowHours * 3_600_000;
    const candidates = (await incidentsSharing(options.redis, options.redisPrefix, duplicateKeysOf(incident), at - window, at + window)).filter((id) => id !== incident.id);
    const visible = (await readIncidents(options.redis, options.redisPrefix, candidates)).filter((i) => canSee(actor, i));
    const suggestions = likelyDuplicates(incident, visible, window).flatMap(({ incident: other, reasons }) => {
      const shown = viewFor(actor, other);
      return shown ? [{ incidentId: shown.id, title: shown.title, state: shown.state, reportingOrganisation: shown.reportingOrganisation.name, detectedAt: shown.detectedAt, reasons }] : [];
    });
    return { incidentId: incident.id, windowHours, suggestions };
  });
}
