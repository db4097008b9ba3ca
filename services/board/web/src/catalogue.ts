// The page's one door to the catalogue in shared/: labels, states and the rules (the tracker's
// transition table). Imported as source, file by file (the shared index also holds Kafka and Redis).
export { lifecycleStateLabels, portalStatusLabels, assignmentStatusLabels, severityLabels, roleLabels, categoryLabels, commandLabels, commandUrls, type Language } from '../../../../shared/src/contracts/labels';
export { lifecycleStates, type LifecycleState } from '../../../../shared/src/contracts/lifecycle';
export { tlpLevels, type Actor, type Role } from '../../../../shared/src/contracts/common';
export { incidentCategories, type IncidentCategory } from '../../../../shared/src/contracts/classification';
export { transitions, allowedCommands, finishedStates, type CommandType, type CommandRule } from '../../../../shared/src/access/transitions';
export type { IncidentView } from '../../../../shared/src/projections/incidents';
export { renderTimelineEntry } from '../../../../shared/src/contracts/timeline';
