export { buildApp } from './app';
export { dispatchConfigSchema, type DispatchConfig } from './config';
export { seedDirectory, directoryDrafts, DirectoryView } from './directory';
export { RoutingStore, dispatchKeys } from './store';
export * from './domain/routing';
export * from './domain/classification';
export * from './domain/dispatching';
export * from './domain/directory';
export * from './domain/roster';
