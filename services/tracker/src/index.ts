export { buildApp } from './app';
export { trackerConfigSchema, type TrackerConfig } from './config';
export * from './domain/lifecycle';
export { rebuildProjection, clearProjection } from './rebuild';
export { Projection, projectEvent, projectEvents } from './projection';
