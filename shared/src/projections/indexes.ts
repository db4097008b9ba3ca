import { foldName } from '../text';
import type { Redis } from '../redis';
import { incidentKeys, type IncidentView } from './incidents';

/**
 * Indexes the tracker keeps beside the incident views, in the same Redis call as the views (one
 * round trip per Kafka batch), so that reads which would otherwise look through every view ask
 * for only what they need: likely duplicates by what two reports share, and the figures of
 * Biểu mẫu 05 and the league table by detection time. Rebuilt with the projection.
 */

/** Incidents no longer to be merged into or from: already merged away, or not an incident at all. */
export const settledStates: readonly IncidentView['state'][] = ['merged', 'rejected'];

type Reported = Pick<IncidentView, 'reportedBy' | 'reportingOrganisation' | 'report'>;
/** The reporting organisation: its account's organisation, else its folded name. */
export const organisationOf = (i: Reported) => i.reportedBy?.organisationId ?? `name:${foldName(i.reportingOrganisation.name)}`;
/** The affected system as the form names it: its name, else its operator (Biểu mẫu 03, Hệ thống bị sự cố), folded. */
export const systemOf = (i: Reported) => {
  const system = i.report?.affectedSystem;
  const name = system?.name ?? system?.operator;
  return name ? foldName(name) : undefined;
};
export const ipsOf = (i: Reported) => new Set(i.report?.technicalDetail?.publicIpAddresses ?? []);
export const domainsOf = (i: Reported) => new Set((i.report?.technicalDetail?.domainNames ?? []).map((d) => d.toLowerCase().replace(/\.$/, '')));

/** What an incident may share with another report of the same attack: one index entry each. */
export function duplicateKeysOf(i: Reported): string[] {
  const system = systemOf(i);
  return [
    ...(system ? [`org-system:${organisationOf(i)}|${system}`] : []),
    ...[...ipsOf(i)].map((ip) => `ip:${ip}`),
    ...[...domainsOf(i)].map((d) => `domain:${d}`),
  ];
}

export type HandledWith = 'in_house' | 'domestic_help' | 'foreign_help';

/** What Biểu mẫu 05 and the league table count of one incident: a few hundred bytes beside its ~4 KB view. */
export interface IncidentFigures {
  id: string;
  province: { code: string; name: string };
  detectedAt: string;
  reportedAt: string;
  state: IncidentView['state'];
  /** Biểu mẫu 04's category when it gives one, else the classification's, else other */
  category: string;
  handledWith: HandledWith;
  /** the damage Biểu mẫu 04 states */
  damage?: string;
  milestones: { acknowledged?: string; contained?: string; resolved?: string };
  liaisons: { id: string; name: string; acknowledgedAt?: string }[];
  /** enterprises that took a part (accepted, working or done), and when they answered */
  enterprises: { id: string; name: string; answeredAt?: string }[];
}

const tookPart = (status: string | undefined) => status === 'accepted' || status === 'working' || status === 'done';

export function figuresOf(i: IncidentView): IncidentFigures {
  const final = i.followUps?.map((f) => f.report).findLast((r) => r.kind === 'final_report');
  const report = final?.kind === 'final_report' ? final : undefined;
  const enterprises = i.assignees.filter((a) => a.kind === 'enterprise' && tookPart(a.status));
  // who handled it: as Biểu mẫu 04 says, else domestic help when an enterprise took a part, else in-house
  const handledWith = report?.handledWith ?? (enterprises.length ? 'domestic_help' : 'in_house');
  const { acknowledged, contained, resolved } = i.milestones ?? {};
  return {
    id: i.id,
    province: { code: i.province.code, name: i.province.name },
    detectedAt: i.detectedAt,
    reportedAt: i.reportedAt,
    state: i.state,
    category: report?.category || i.classification?.category || 'other',
    handledWith,
    ...(report ? { damage: report.damage } : {}),
    milestones: { ...(acknowledged ? { acknowledged } : {}), ...(contained ? { contained } : {}), ...(resolved ? { resolved } : {}) },
    liaisons: i.assignees.filter((a) => a.kind === 'liaison').map((a) => ({ id: a.id, name: a.name, ...(a.acknowledgedAt ? { acknowledgedAt: a.acknowledgedAt } : {}) })),
    enterprises: enterprises.map((a) => ({ id: a.id, name: a.name, ...(a.answeredAt ? { answeredAt: a.answeredAt } : {}) })),
  };
}

export function indexKeys(prefix: string) {
  const base = `${prefix}incidents:`;
  return {
    /** sorted set per shared trait (duplicateKeysOf): incident id → detection time (ms); settled incidents are left out */
    duplicates: (key: string) => `${base}dup:${key}`,
    /** hash: incident id → its IncidentFigures (JSON) */
    figures: `${base}figures`,
    /** sorted set: incident id → detection time (ms) */
    byDetected: `${base}by-detected`,
  };
}

/** One write of an index: add to or remove from a sorted set, set or delete a hash field. */
export type IndexOp = ['z+', string, string, number] | ['z-', string, string] | ['h+', string, string, string] | ['h-', string, string];

/**
 * What to change in the indexes when an incident's view goes from `before` to `after`: only what
 * differs (an event that changes neither what it shares nor its figures writes nothing).
 */
export function indexChanges(prefix: string, before: IncidentView | undefined, after: IncidentView): IndexOp[] {
  const keys = indexKeys(prefix);
  const ops: IndexOp[] = [];
  const at = Date.parse(after.detectedAt);
  const moved = before !== undefined && before.detectedAt !== after.detectedAt;
  // the projection changes a view by spreading it, so a part it did not touch is the same object:
  // most events (comments, notices, deadlines) change neither the traits nor the figures, and cost no work here
  const same = <K extends keyof IncidentView>(...parts: K[]) => before !== undefined && !moved && parts.every((k) => before[k] === after[k]);
  const settled = (v: IncidentView) => settledStates.includes(v.state);
  if (!(same('report', 'reportingOrganisation', 'reportedBy') && settled(before!) === settled(after))) {
    const shared = (v: IncidentView | undefined) => (v && !settled(v) ? duplicateKeysOf(v) : []);
    const [was, is] = [shared(before), shared(after)];
    for (const key of was) if (!is.includes(key)) ops.push(['z-', keys.duplicates(key), after.id]);
    for (const key of is) if (moved || !was.includes(key)) ops.push(['z+', keys.duplicates(key), after.id, at]);
  }
  if (!before || moved) ops.push(['z+', keys.byDetected, after.id, at]);
  if (!same('state', 'province', 'reportedAt', 'followUps', 'classification', 'assignees', 'milestones')) {
    const figures = JSON.stringify(figuresOf(after));
    if (!before || JSON.stringify(figuresOf(before)) !== figures) ops.push(['h+', keys.figures, after.id, figures]);
  }
  return ops;
}

/** The incidents sharing one of `traits` detected within [from, to] (ms): ids, one round trip. */
export async function incidentsSharing(redis: Redis, prefix: string, traits: readonly string[], from: number, to: number): Promise<string[]> {
  if (traits.length === 0) return [];
  const keys = indexKeys(prefix);
  const pipeline = redis.pipeline();
  for (const trait of traits) pipeline.zrangebyscore(keys.duplicates(trait), from, to);
  const replies = (await pipeline.exec()) ?? [];
  const ids = new Set<string>();
  for (const [error, found] of replies) {
    if (error) throw error;
    for (const id of found as string[]) ids.add(id);
  }
  return [...ids];
}

/** The figures of the incidents detected in [from, to) (ISO times), in one round trip (a script: the range, then the fields). */
export async function figuresDetectedBetween(redis: Redis, prefix: string, from: string, to: string): Promise<IncidentFigures[]> {
  const keys = indexKeys(prefix);
  const raws = (await redis.eval(figuresLua, 2, keys.byDetected, keys.figures, Date.parse(from), `(${Date.parse(to)}`)) as (string | null)[];
  return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as IncidentFigures);
}

const figuresLua = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[2])
local out = {}
for i = 1, #ids, 1000 do
  local part = {}
  for j = i, math.min(i + 999, #ids) do part[#part + 1] = ids[j] end
  for _, v in ipairs(redis.call('HMGET', KEYS[2], unpack(part))) do out[#out + 1] = v end
end
return out
`;

/** The views of these incidents (those that exist), in one round trip. */
export async function readIncidents(redis: Redis, prefix: string, ids: readonly string[]): Promise<IncidentView[]> {
  if (ids.length === 0) return [];
  const raws = await redis.mget(ids.map(incidentKeys(prefix).incident));
  return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as IncidentView);
}
