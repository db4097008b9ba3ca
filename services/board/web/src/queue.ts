import { finishedStates, type FeedFilters, type FeedListItem, type LifecycleState } from './catalogue';

/** The national board's filters as the page keeps them (one value each; '' is all). */
export interface Filters {
  province: string;
  category: string;
  severity: string;
  state: string;
  assignee: string;
  tlp: string;
}
export const noFilters: Filters = { province: '', category: '', severity: '', state: '', assignee: '', tlp: '' };

/** The filters as the feed applies them on the server (so the counts and pages are over everything that matches). */
export function feedFilters(f: Filters): FeedFilters {
  return {
    ...(f.province ? { provinces: [f.province] } : {}),
    ...(f.category ? { categories: [f.category as NonNullable<FeedFilters['categories']>[number]] } : {}),
    ...(f.severity ? { severities: [f.severity as NonNullable<FeedFilters['severities']>[number]] } : {}),
    ...(f.state ? { states: [f.state as LifecycleState] } : {}),
    ...(f.tlp ? { tlp: [f.tlp as NonNullable<FeedFilters['tlp']>[number]] } : {}),
    ...(f.assignee ? { assignee: f.assignee } : {}),
  };
}

const finished = new Set<LifecycleState>(finishedStates);
const priorityRank = (item: FeedListItem) => (item.priority ? Number(item.priority.slice(1)) : item.severity === 'severe' ? 1 : 5);
const dueOf = (item: FeedListItem) => (item.answerBy ? Date.parse(item.answerBy) : Date.parse(item.reportedAt));

/** The queue: open before finished, overdue first, then escalated, then priority (P1 first), then the earliest due. */
export function orderQueue(items: readonly FeedListItem[]): FeedListItem[] {
  return [...items].sort(
    (a, b) =>
      Number(finished.has(a.state)) - Number(finished.has(b.state)) ||
      Number(Boolean(b.overdue)) - Number(Boolean(a.overdue)) ||
      Number(Boolean(b.escalated)) - Number(Boolean(a.escalated)) ||
      priorityRank(a) - priorityRank(b) ||
      dueOf(a) - dueOf(b) ||
      a.id.localeCompare(b.id),
  );
}
