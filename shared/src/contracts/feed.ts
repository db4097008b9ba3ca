import { z } from 'zod';
import { incidentCategorySchema, prioritySchema, severitySchema } from './classification';
import { tlpSchema } from './common';
import { assignmentStatusSchema, lifecycleStateSchema, portalStatusSchema } from './lifecycle';

/**
 * The live feed's protocol (issue 13): one WebSocket at `/api/v2/feed`, JSON frames both ways.
 * Every screen subscribes to what it shows; the board sends only what the user may see
 * (shared/src/access: canSee, TLP and the audience views).
 *
 * A position is the id of an entry on the board's change log (a Redis Stream: `<ms>-<seq>`),
 * the same on every board copy. Every frame that moves a client forward carries one; a client
 * that reconnects sends `resume` with the last position it processed and then its subscriptions
 * again, and gets what it missed, in order, then live changes. When the log no longer holds that
 * position the board answers `reload`: the client drops what it holds and takes fresh snapshots.
 */

export const feedPositionSchema = z.string().regex(/^\d{1,20}-\d{1,20}$/, 'must be a change-log position (<ms>-<seq>)');
export type FeedPosition = z.infer<typeof feedPositionSchema>;

/** Orders two positions: negative when a is before b. Positions compare as (ms, seq) pairs, not as strings. */
export function comparePositions(a: FeedPosition, b: FeedPosition): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am === bm ? (as === bs ? 0 : as < bs ? -1 : 1) : am < bm ? -1 : 1;
}

const provinceCode = z.string().regex(/^\d{2}$/, 'must be a two-digit province code');

/** What a subscription covers before its filters; the user's scope (canSee) always applies on top. */
export const feedScopeSchema = z.discriminatedUnion('kind', [
  /** every incident the user may see (a national coordinator: the whole country) */
  z.strictObject({ kind: z.literal('country') }),
  z.strictObject({ kind: z.literal('province'), code: provinceCode }),
  /** incidents currently assigned to one of the user's assignee ids (an enterprise's inbox) */
  z.strictObject({ kind: z.literal('assignments') }),
  /** one incident, open on screen: the full record (as the user may see it), on subscribe and on every change */
  z.strictObject({ kind: z.literal('incident'), id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID') }),
  /** the work queue: incidents not yet ended, ordered by priority then deadline */
  z.strictObject({ kind: z.literal('queue') }),
]);
export type FeedScope = z.infer<typeof feedScopeSchema>;

/** Narrowing of a list subscription; every field present must match (each list: any of its values). */
export const feedFiltersSchema = z.strictObject({
  provinces: z.array(provinceCode).max(34).optional(),
  categories: z.array(incidentCategorySchema).max(20).optional(),
  severities: z.array(severitySchema).optional(),
  priorities: z.array(prioritySchema).optional(),
  states: z.array(lifecycleStateSchema).optional(),
  tlp: z.array(tlpSchema).optional(),
  /** an assignee (enterprise or hub roster id) currently on the incident */
  assignee: z.string().min(1).max(100).optional(),
});
export type FeedFilters = z.infer<typeof feedFiltersSchema>;

/** A client's name for one of its subscriptions, echoed on every frame about it. */
const subscriptionId = z.string().min(1).max(40);

// ── client → server ────────────────────────────────────────────────────────────────────────────

export const feedClientFrameSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('subscribe'),
    sub: subscriptionId,
    scope: feedScopeSchema,
    filters: feedFiltersSchema.default({}),
    /** list items per snapshot page (the first page comes at once; the next on `page`) */
    pageSize: z.number().int().min(1).max(500).default(100),
    /** continue after this position (no snapshot) instead of the `resume` position; the client's own last for this subscription */
    after: feedPositionSchema.optional(),
  }),
  z.strictObject({ type: z.literal('unsubscribe'), sub: subscriptionId }),
  /** the next snapshot page of a list subscription (its `next` cursor) */
  z.strictObject({ type: z.literal('page'), sub: subscriptionId, cursor: z.string().min(1).max(200) }),
  /**
   * Sent first on a reconnection: the subscriptions that follow it (before any other frame) are
   * continued from this position (no snapshot; the changes after it, then live), or answered
   * `reload` when the log no longer holds it.
   */
  z.strictObject({ type: z.literal('resume'), position: feedPositionSchema }),
  z.strictObject({ type: z.literal('ping'), at: z.number().optional() }),
]);
export type FeedClientFrame = z.input<typeof feedClientFrameSchema>;
export type FeedClientFrameParsed = z.infer<typeof feedClientFrameSchema>;

// ── server → client ────────────────────────────────────────────────────────────────────────────

/** What a list shows of an incident (about 300 bytes, against ~3 KB for the whole record), as the user's audience may see it. */
export const feedListItemSchema = z.object({
  id: z.string(),
  version: z.number().int(),
  state: lifecycleStateSchema,
  portalStatus: portalStatusSchema,
  province: z.object({ code: z.string(), name: z.string() }),
  title: z.string(),
  tlp: tlpSchema,
  severity: z.string().optional(),
  priority: z.string().optional(),
  category: z.string().optional(),
  reportedAt: z.string(),
  updatedAt: z.string(),
  assignees: z.number().int(),
  acknowledged: z.number().int(),
  /** the enterprises on it, with their answer to the offer */
  parts: z.array(z.object({ id: z.string(), status: assignmentStatusSchema, offerExpiresAt: z.string().optional() })),
  needsCoordinator: z.boolean(),
  overdue: z.literal(true).optional(),
  escalated: z.literal(true).optional(),
  rung: z.number().int().positive().optional(),
  answerBy: z.string().optional(),
  dueAt: z.string().optional(),
  lastEvent: z.string(),
});
export type FeedListItem = z.infer<typeof feedListItemSchema>;

/** True counts over everything the subscription covers (not over the page the client holds). */
export const feedCountsSchema = z.object({
  total: z.number().int().nonnegative(),
  byState: z.partialRecord(lifecycleStateSchema, z.number().int().nonnegative()),
  bySeverity: z.record(z.string(), z.number().int().nonnegative()),
});
export type FeedCounts = z.infer<typeof feedCountsSchema>;

/** Why the board closed a feed socket (WebSocket close codes; the reason text says the same in words). */
export const feedCloseCodes = {
  /** the board is stopping: reconnect (to another copy) and resume */
  shuttingDown: 1001,
  /** a frame that is not JSON or not of this protocol; not retried as is */
  badFrame: 4400,
  /** sign-out, expiry, disabled account, revoked token: sign in again */
  sessionEnded: 4401,
  /** a cross-site page */
  forbidden: 4403,
  /** nothing heard from the client for two heartbeats */
  heartbeatTimeout: 4408,
  /** the client read too slowly and could not be caught up within the memory bound: reconnect and resume */
  tooSlow: 4429,
} as const;
export type FeedCloseCode = (typeof feedCloseCodes)[keyof typeof feedCloseCodes];

export const feedServerFrameSchema = z.discriminatedUnion('type', [
  /** a page of a list subscription's snapshot, as of `position`; `next` asks for the following page */
  z.object({ type: z.literal('snapshot'), sub: z.string(), position: feedPositionSchema, items: z.array(feedListItemSchema), next: z.string().nullable(), counts: feedCountsSchema }),
  /** an incident subscription's full record (the user's view of it), on subscribe and after every change */
  z.object({ type: z.literal('record'), sub: z.string(), position: feedPositionSchema, eventType: z.string().optional(), incident: z.record(z.string(), z.unknown()).nullable() }),
  /**
   * Changes to list subscriptions up to `position`, coalesced (the latest of each incident):
   * `upserts` entered or changed, `removes` left the subscription (ended for the queue, out of the
   * filters, or no longer visible to the user). `counts` when they moved.
   */
  z.object({ type: z.literal('delta'), sub: z.string(), position: feedPositionSchema, upserts: z.array(feedListItemSchema), removes: z.array(z.string()), counts: feedCountsSchema.optional() }),
  /** the log moved on with nothing for this client: the position to resume from */
  z.object({ type: z.literal('position'), position: feedPositionSchema }),
  /** the position asked for is older than the log holds, or the client fell too far behind: take fresh snapshots */
  z.object({ type: z.literal('reload'), reason: z.enum(['gap_too_old', 'too_slow', 'scope_changed']), position: feedPositionSchema }),
  /** every few seconds, so either side notices a dead connection */
  z.object({ type: z.literal('heartbeat'), at: z.number(), position: feedPositionSchema, intervalMs: z.number().int().positive() }),
  z.object({ type: z.literal('pong'), at: z.number().optional() }),
  /** a frame refused (its subscription is untouched): the field and the rule, like an HTTP 4xx */
  z.object({ type: z.literal('error'), sub: z.string().optional(), code: z.string(), message: z.string(), field: z.string().optional() }),
]);
export type FeedServerFrame = z.infer<typeof feedServerFrameSchema>;

/** Frames that move the client's position: handled once each, in position order. */
export function positionOf(frame: FeedServerFrame): FeedPosition | undefined {
  return frame.type === 'snapshot' || frame.type === 'record' || frame.type === 'delta' || frame.type === 'position' ? frame.position : undefined;
}
