import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ulid } from 'ulid';
import { z } from 'zod';
import { commonProblems, directoryEntities, hasRole, HttpError, identify, liaisonSchema, may, normalizeText, parseOr400, problemSchema, text, type DirectoryEntity } from '@ucsc/shared';
import { checkReferences, checkRemoval, entryId, entrySchemas, type Entry } from '../domain/directory';
import { csvToRecords, toCsv, validateRoster } from '../domain/roster';
import type { DirectoryDraft, DirectoryView, DirectoryWriter } from '../directory';
import type { RoutingStore } from '../store';

export interface DirectoryRoutesOptions {
  view: DirectoryView;
  writer: DirectoryWriter;
  store: RoutingStore;
  /** how long a write waits for this copy's view to show it, so the answer reflects the change */
  applyTimeoutMs: number;
  importBodyLimit: number;
}

const entityParams = z.object({ entity: z.enum(directoryEntities) });
const entryParams = entityParams.extend({ id: text(100) });
const changeQuery = z.object({ reason: text(2000).optional() });
const exportQuery = z.object({ format: z.enum(['json', 'csv']).default('json') });
const importQuery = changeQuery.extend({ format: z.enum(['json', 'csv']).optional() });
const leaveBody = z.object({ reason: text(2000).optional() });
const liaisonParams = z.object({ id: text(100) });

// the answers: entries as the directory holds them (each kind's own schema; loose, so an entry is
// sent whole whichever kind it is), and the problems each route may answer
const anyEntry = z.union(directoryEntities.map((entity) => entrySchemas[entity].loose())).describe('an entry of the kind the URL names');
const entryList = z.object(Object.fromEntries(directoryEntities.map((entity) => [entity, z.array(entrySchemas[entity])])) as { [E in DirectoryEntity]: z.ZodArray<(typeof entrySchemas)[E]> });
const written = z.object({ entry: anyEntry, eventId: z.string().optional().describe('the directory event that records the change') });
const reads = { ...commonProblems, 400: problemSchema.describe('Invalid path or query'), 404: problemSchema.describe('No such entry') } as const;
const writes = {
  ...reads,
  400: problemSchema.describe('Invalid fields, all of them (roster_rejected: every bad row, with its number)'),
  403: problemSchema.describe('Only an admin changes the directory'),
  409: problemSchema.describe('Still referred to (in_use)'),
  503: problemSchema.describe('The change could not be stored; nothing was changed; retry after Retry-After seconds'),
} as const;

const putType = {
  units: 'directory.unit_put',
  organisations: 'directory.organisation_put',
  liaisons: 'directory.liaison_put',
  enterprises: 'directory.enterprise_put',
} as const;
const removedType = {
  organisations: 'directory.organisation_removed',
  liaisons: 'directory.liaison_removed',
  enterprises: 'directory.enterprise_removed',
} as const;
const payloadKey = { units: 'unit', organisations: 'organisation', liaisons: 'liaison', enterprises: 'enterprise' } as const;

function putDraft(entity: DirectoryEntity, entry: unknown, change: { changeSetId?: string; reason?: string }): DirectoryDraft {
  return { type: putType[entity], payload: { [payloadKey[entity]]: entry, ...change } } as DirectoryDraft;
}

/**
 * The directory admin API: who is in the network. Every change is an event on the directory
 * topic, with who made it (the actor) and when; an answer comes once this copy's view shows it.
 * Lives in dispatch because dispatch is the directory's one reader that must act on it at once.
 */
export async function directoryRoutes(fastify: FastifyInstance, options: DirectoryRoutesOptions): Promise<void> {
  const { view, writer } = options;
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: options.importBodyLimit }, (_request, body, done) => done(null, body));

  const write = async (request: FastifyRequest, drafts: DirectoryDraft[]) => {
    let envelopes;
    try {
      envelopes = await writer.write(drafts, identify(request), String(request.id));
    } catch (error) {
      request.log.warn({ err: error }, 'directory change not stored');
      throw new HttpError(503, 'storage_unavailable', 'the change could not be stored; nothing was changed, retry later', [], { 'retry-after': '5' });
    }
    const last = envelopes[envelopes.length - 1];
    if (last) await view.waitForEvent(last.id, options.applyTimeoutMs).catch(() => undefined);
    return envelopes;
  };

  const entries = (entity: DirectoryEntity) => [...(view.state[entity] as Map<string, unknown>).values()];

  // anyone signed in may look people up (the network's contact list); only an admin changes it,
  // checked before a change is validated: who may not change it learns nothing of the rules
  app.addHook('preValidation', async (request) => {
    const actor = identify(request);
    if (request.method !== 'GET' && !may(actor, 'directory.manage')) throw new HttpError(403, 'forbidden', 'only an admin changes the directory');
  });

  app.get('/api/v1/directory', { schema: { summary: 'The whole directory: units, organisations, liaisons, enterprises', response: { ...commonProblems, 200: entryList } } }, async () => view.data());

  const listing = {
    summary: 'One kind of entry, as JSON or CSV (the roster format the import takes)',
    params: entityParams,
    querystring: exportQuery,
    response: { ...reads, 200: entryList.partial().describe('{"<entity>": [...]}; with format=csv, the roster as text/csv instead') },
  };
  app.get('/api/v1/directory/:entity', { schema: listing }, async (request, reply) => {
    const { entity } = request.params;
    const { format } = request.query;
    if (format === 'json') return { [entity]: entries(entity) } as Partial<z.infer<typeof entryList>>;
    // a string with its own content type is sent as it is, not through the JSON answer's schema
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${entity}.csv"`)
      .send(toCsv(entity, entries(entity)) as never);
  });

  app.get('/api/v1/directory/:entity/:id', { schema: { summary: 'One entry', params: entryParams, response: { ...reads, 200: anyEntry } } }, async (request) => {
    const { entity, id } = request.params;
    const entry = (view.state[entity] as Map<string, z.infer<typeof anyEntry>>).get(id);
    if (!entry) throw new HttpError(404, 'not_found', `no ${entity} entry ${id}`);
    return entry;
  });

  const put = { summary: 'Add or replace an entry (admins); the body is the entry, of the kind the URL names', params: entryParams, querystring: changeQuery, response: { ...writes, 200: written } };
  app.put('/api/v1/directory/:entity/:id', { schema: put }, async (request) => {
    const { entity, id } = request.params;
    const { reason } = request.query;
    // the body's schema is the kind's (entrySchemas), known only once the URL is read
    const entry = parseOr400(entrySchemas[entity], normalizeText(request.body ?? {})) as Entry<typeof entity>;
    if (entryId(entity, entry) !== id) {
      const field = entity === 'units' ? 'body.code' : 'body.id';
      throw new HttpError(400, 'validation_failed', 'the entry names another id than the URL', [{ field, rule: 'matches_url', message: `must be ${id}` }]);
    }
    const problems = checkReferences(entity, entry, view.state);
    if (problems.length) {
      throw new HttpError(400, 'validation_failed', `${problems.length} field(s) are invalid`, problems.map((p) => ({ ...p, field: `body.${p.field}` })));
    }
    const [event] = await write(request, [putDraft(entity, entry, reason ? { reason } : {})]);
    return { entry, eventId: event?.id };
  });

  const removal = {
    summary: 'Remove an entry nothing refers to (admins)',
    params: entryParams,
    querystring: changeQuery,
    response: { ...writes, 200: z.object({ removed: z.string(), eventId: z.string().optional() }) },
  };
  app.delete('/api/v1/directory/:entity/:id', { schema: removal }, async (request) => {
    const { entity, id } = request.params;
    const { reason } = request.query;
    if (!(view.state[entity] as Map<string, unknown>).has(id)) throw new HttpError(404, 'not_found', `no ${entity} entry ${id}`);
    const refused = checkRemoval(entity, id, view.state);
    if (refused || entity === 'units') throw new HttpError(409, 'in_use', refused ?? 'units cannot be removed');
    const [event] = await write(request, [{ type: removedType[entity], payload: { id, ...(reason ? { reason } : {}) } }]);
    return { removed: id, eventId: event?.id };
  });

  /** A liaison goes on leave (their substitute is routed instead) or comes back. */
  for (const [method, onLeave] of [['POST', true], ['DELETE', false]] as const) {
    app.route({
      method,
      url: '/api/v1/directory/liaisons/:id/leave',
      schema: {
        summary: onLeave ? 'A liaison goes on leave: the substitute is routed instead' : 'A liaison is back from leave',
        params: liaisonParams,
        body: leaveBody,
        response: { ...writes, 200: written.extend({ entry: liaisonSchema }) },
      },
      handler: async (request) => {
        const { id } = request.params;
        const { reason } = request.body;
        const liaison = view.state.liaisons.get(id);
        if (!liaison) throw new HttpError(404, 'not_found', `no liaisons entry ${id}`);
        const entry = { ...liaison, onLeave };
        const why = reason ?? (onLeave ? 'on leave' : 'back from leave');
        const [event] = await write(request, [putDraft('liaisons', entry, { reason: why })]);
        return { entry, eventId: event?.id };
      },
    });
  }

  /**
   * Imports a roster (CSV or JSON): every row is checked first and, if any is wrong, nothing is
   * stored and every bad row is named with its number and the reason; otherwise all of it is
   * stored in one Kafka transaction. Rows are added or replace the entry with the same id.
   */
  const rosterImport = {
    summary: 'Import a roster (CSV or JSON): all of it in one transaction, or nothing and every bad row named',
    params: entityParams,
    querystring: importQuery,
    response: {
      ...writes,
      413: problemSchema.describe('Larger than the import limit'),
      415: problemSchema.describe('Neither JSON nor text/csv'),
      200: z.object({ imported: z.number().int(), entity: z.enum(directoryEntities), changeSetId: z.string() }),
    },
  };
  app.post('/api/v1/directory/:entity/import', { bodyLimit: options.importBodyLimit, schema: rosterImport }, async (request, reply) => {
    const { entity } = request.params;
    const query = request.query;
    const isCsv = query.format === 'csv' || (query.format === undefined && String(request.headers['content-type'] ?? '').startsWith('text/csv'));
    let records: unknown[];
    if (isCsv) {
      if (typeof request.body !== 'string') throw new HttpError(415, 'unsupported_media_type', 'send the CSV roster as text/csv');
      const read = csvToRecords(entity, request.body.normalize('NFC'));
      if (!read.ok) throw rosterRejected(read.problems);
      records = read.records;
    } else {
      const body = normalizeText(request.body) as unknown;
      const list = Array.isArray(body) ? body : body && typeof body === 'object' ? (body as Record<string, unknown>)[entity] : undefined;
      if (!Array.isArray(list)) throw rosterRejected([{ row: 0, field: '(file)', rule: 'json_list', message: `send a JSON array of ${entity}, or {"${entity}": [...]}` }]);
      records = list;
    }
    const checked = validateRoster(entity, records, view.state);
    if (!checked.ok) throw rosterRejected(checked.problems);
    const changeSetId = `import-${ulid()}`;
    const change = { changeSetId, reason: query.reason ?? `roster import (${isCsv ? 'CSV' : 'JSON'})` };
    await write(request, checked.entries.map((entry) => putDraft(entity, entry, change)));
    return reply.status(200).send({ imported: checked.entries.length, entity, changeSetId });
  });

  const load = {
    summary: 'Open assignments per enterprise (coordinators)',
    response: { ...commonProblems, 200: z.object({ openAssignments: z.record(z.string(), z.number().int()).describe('enterprise id → open assignments') }) },
  };
  app.get('/api/v1/routing/load', { schema: load }, async (request) => {
    if (!hasRole(identify(request), 'national_coordinator', 'admin', 'auditor')) throw new HttpError(403, 'forbidden', 'routing load is for coordinators');
    return { openAssignments: await options.store.openAssignments() };
  });
}

function rosterRejected(problems: { row: number; field: string; rule: string; message: string }[]): HttpError {
  const rows = new Set(problems.map((p) => p.row).filter((r) => r > 0));
  return new HttpError(
    400,
    'roster_rejected',
    `nothing was imported: ${rows.size ? `${rows.size} row(s) are invalid` : problems[0]?.message ?? 'invalid roster'}`,
    problems.map((p) => ({ field: p.field, rule: p.rule, message: p.row > 0 ? `row ${p.row}: ${p.message}` : p.message, row: p.row })),
  );
}
