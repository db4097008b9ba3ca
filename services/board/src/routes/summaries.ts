import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { commonProblems, figuresDetectedBetween, hasRole, HttpError, identify, problemSchema, type Actor, type Redis } from '@ucsc/shared';
import { leagueTable, periodBounds, summarise, toCsv, type Period } from '../summaries';

export interface SummaryRoutesOptions {
  redis: Redis;
  redisPrefix: string;
}

const query = z.strictObject({
  year: z.coerce.number().int().min(2000).max(2100).describe('The year (Vietnam time)'),
  half: z.enum(['1', '2']).optional().describe('6-monthly: 1 (January–June) or 2 (July–December); absent: the annual summary'),
  province: z.string().regex(/^\d{2}$/, 'a two-digit province code').optional().describe('A province (its code); absent: the country, for a national coordinator'),
  format: z.enum(['json', 'csv']).default('json'),
});

/**
 * Which scope a summary may be for: a national coordinator or auditor the country or any province,
 * a province coordinator its own province(s) only (the one it names, or its only one). Else 403.
 */
function scopeFor(actor: Actor, province: string | undefined): string | undefined {
  if (hasRole(actor, 'national_coordinator', 'auditor')) return province;
  const own = hasRole(actor, 'province_coordinator') ? (actor.provinceCodes ?? []) : [];
  if (own.length === 0) throw new HttpError(403, 'forbidden', 'summaries are for province and national coordinators');
  if (province === undefined) {
    if (own.length === 1) return own[0];
    throw new HttpError(400, 'invalid_fields', 'name the province', [{ field: 'querystring.province', rule: 'required', message: 'this account coordinates several provinces: name one' }]);
  }
  if (!own.includes(province)) throw new HttpError(403, 'forbidden', `this account does not coordinate province ${province}`);
  return province;
}

/** Biểu mẫu 05 (6-monthly and annual) and the league table, JSON or CSV (issue 12). */
export async function summaryRoutes(fastify: FastifyInstance, options: SummaryRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const problems = { ...commonProblems, 400: problemSchema, 403: problemSchema };
  // the figures of the incidents detected in the period, from the tracker's index: one round trip
  const incidents = (period: Period) => {
    const { from, to } = periodBounds(period);
    return figuresDetectedBetween(options.redis, options.redisPrefix, from, to);
  };
  const csv = (reply: FastifyReply, name: string, body: string) => reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(body);

  app.get('/api/v1/summaries/bieu-mau-05', {
      schema: {
        summary: 'Biểu mẫu 05: counts per category, handled in-house / with domestic / with foreign help, and damage, for a province or the country',
        querystring: query,
        response: { ...problems, 200: z.unknown().describe('The summary as JSON, or CSV with format=csv') },
      },
    }, async (request, reply) => {
    const { year, half, province, format } = request.query;
    const provinceCode = scopeFor(identify(request), province);
    const period = { year, ...(half ? { half: Number(half) as 1 | 2 } : {}) };
    const summary = summarise(await incidents(period), period, provinceCode);
    if (format === 'json') return summary;
    const rows = summary.byCategory.map((r) => [r.category, r.label, r.count, r.inHouse, r.domesticHelp, r.foreignHelp]);
    return csv(reply, `bieu-mau-05-${provinceCode ?? 'ca-nuoc'}-${year}${half ? `-h${half}` : ''}`, toCsv(['category', 'label', 'count', 'in_house', 'domestic_help', 'foreign_help'], [...rows, ['total', 'Tổng', summary.total, '', '', '']]));
  });

  app.get('/api/v1/summaries/league-table', {
      schema: {
        summary: 'Minutes to acknowledge, accept, contain and resolve per province, liaison and enterprise (median and 90th percentile)',
        querystring: query,
        response: { ...problems, 200: z.unknown().describe('The rows as JSON, or CSV with format=csv') },
      },
    }, async (request, reply) => {
    const { year, half, province, format } = request.query;
    const provinceCode = scopeFor(identify(request), province);
    const period = { year, ...(half ? { half: Number(half) as 1 | 2 } : {}) };
    const rows = leagueTable(await incidents(period), period, provinceCode);
    if (format === 'json') return { scope: provinceCode ? { level: 'province', provinceCode } : { level: 'country' }, rows };
    return csv(reply, `league-table-${provinceCode ?? 'ca-nuoc'}-${year}${half ? `-h${half}` : ''}`, toCsv(['kind', 'id', 'name', 'measure', 'count', 'median_minutes', 'p90_minutes'], rows.map((r) => [r.kind, r.id, r.name, r.measure, r.count, r.medianMinutes, r.p90Minutes])));
  });
}
