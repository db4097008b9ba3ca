export * from './common';
export * from './incident';
export * from './messages';
export * from './topics';
export * from './deadletter';
export * from './parse';
export * from './audit';
