export { buildApp } from './app';
export { boardConfigSchema, type BoardConfig } from './config';
export { demoAccounts, demoPassword, seedDemoAccounts } from './demo-accounts';
export { inScope as feedScopeCovers, passes as feedFiltersPass } from './feed';
