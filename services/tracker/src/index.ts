export { buildApp } from './app';
export { trackerConfigSchema, type TrackerConfig } from './config';
export * from './domain/lifecycle';
export * from './domain/transitions';
export * from './domain/clocks';
export * from './domain/escalation';
export { rebuildProjection, clearProjection } from './rebuild';
export { projectEvent, projectEvents } from './projection';
