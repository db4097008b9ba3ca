import { compareQueue, type FeedFilters, type FeedListItem, type LifecycleState } from './catalogue';

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

/** The queue in the one order the board pages in (shared compareQueue): open before finished, overdue, escalated, priority, the earliest deadline still open. */
export function orderQueue(items: readonly FeedListItem[]): FeedListItem[] {
  return [...items].sort(compareQueue);
}
