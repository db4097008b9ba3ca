import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { commonProblems, figuresDetectedBetween, hasRole, HttpError, identify, problemSchema, type Actor, type IncidentFigures, type Redis } from '@ucsc/shared';
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

  /** One summary route: its figures for the period and scope asked, as JSON or as CSV (RFC 4180, a download). */
  const summaryRoute = (
    path: string,
    summary: string,
    answer: string,
    compute: (figures: IncidentFigures[], period: Period, provinceCode: string | undefined) => { json: unknown; header: string[]; rows: unknown[][] },
  ) =>
    app.get(`/api/v1/summaries/${path}`, { schema: { summary, querystring: query, response: { ...problems, 200: z.unknown().describe(answer) } } }, async (request, reply) => {
      const { year, half, province, format } = request.query;
      const provinceCode = scopeFor(identify(request), province);
      const period: Period = { year, ...(half ? { half: Number(half) as 1 | 2 } : {}) };
      const { json, header, rows } = compute(await incidents(period), period, provinceCode);
      if (format === 'json') return json;
      const name = `${path}-${provinceCode ?? 'ca-nuoc'}-${year}${half ? `-h${half}` : ''}`;
      return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(toCsv(header, rows));
    });

  summaryRoute(
    'bieu-mau-05',
    'Biểu mẫu 05: counts per category, handled in-house / with domestic / with foreign help, and damage, for a province or the country',
    'The summary as JSON, or CSV with format=csv',
    (figures, period, provinceCode) => {
      const summary = summarise(figures, period, provinceCode);
      const rows = summary.byCategory.map((r) => [r.category, r.label, r.count, r.inHouse, r.domesticHelp, r.foreignHelp]);
      return { json: summary, header: ['category', 'label', 'count', 'in_house', 'domestic_help', 'foreign_help'], rows: [...rows, ['total', 'Tổng', summary.total, '', '', '']] };
    },
  );

  summaryRoute(
    'league-table',
    'Minutes to acknowledge, accept, contain and resolve per province, liaison and enterprise (median and 90th percentile)',
    'The rows as JSON, or CSV with format=csv',
    (figures, period, provinceCode) => {
      const rows = leagueTable(figures, period, provinceCode);
      return {
        json: { scope: provinceCode ? { level: 'province', provinceCode } : { level: 'country' }, rows },
        header: ['kind', 'id', 'name', 'measure', 'count', 'median_minutes', 'p90_minutes'],
        rows: rows.map((r) => [r.kind, r.id, r.name, r.measure, r.count, r.medianMinutes, r.p90Minutes]),
      };
    },
  );
}
