export { buildApp } from './app';
export { boardConfigSchema, type BoardConfig } from './config';
