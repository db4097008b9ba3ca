// The web app's entry point of shared/ (services/board/web imports this file, never index.ts, which
// also holds Kafka, Redis and HTTP): the catalogue of labels, states and rules, the contracts the
// page reads, and the feed's client. Nothing here imports a Node module; the one contract that
// checks hosts with Node's parsers is built with contracts/hosts.browser.ts in its place.
export { lifecycleStateLabels, portalStatusLabels, assignmentStatusLabels, severityLabels, roleLabels, categoryLabels, commandLabels, commandUrls, directoryEntityLabels, directoryFieldLabels, directoryValueLabels, formatVietnamTime, type DirectoryField, type DirectoryValue, type Language } from './contracts/labels';
export { lifecycleStates, endedAssignmentStatuses, type LifecycleState } from './contracts/lifecycle';
export { tlpLevels, type Actor, type Role } from './contracts/common';
export { incidentCategories, type IncidentCategory } from './contracts/classification';
export { transitions, allowedCommands, finishedStates, type CommandType, type CommandRule } from './access/transitions';
export { incidentListItem, compareQueue, isOverdue, isEscalated, isOnSite, rungOf, answerByOf, type IncidentView, type IncidentListItem, type QueueKey } from './projections/incidents';
export { comparePositions, type FeedCounts, type FeedFilters, type FeedListItem, type FeedPosition, type FeedScope } from './contracts/feed';
export { FeedClient, type FeedSubscription, type SnapshotPage, type Delta } from './feed-client';
export { reportSubmissionSchema, followUpSubmissionSchema, followUpKinds, attachmentKinds, detectionMethods, notifiedParties, type FollowUpKind } from './contracts/report';
export { fieldProblems, type FieldProblem } from './contracts/problems';
export { roles, newId } from './contracts/common';
export { tokenScopes } from './contracts/identity';
export { directoryEntities, entrySchemas, entryId, organisationTypes, type DirectoryEntity, type Entry } from './contracts/directory';
export { may, mayActFor, type Permission } from './access/index';
export { renderTimelineEntry } from './contracts/timeline';
