export { buildApp } from './app';
export { dispatchConfigSchema, type DispatchConfig } from './config';
export * from './domain/routing';
