export { buildApp } from './app';
export { trackerConfigSchema, type TrackerConfig } from './config';
export * from './domain/lifecycle';
export { rebuildProjection, clearProjection } from './rebuild';
export { projectEvent, projectEvents } from './projection';
