export * from './common';
export * from './incident';
export * from './report';
export * from './messages';
export * from './topics';
export * from './deadletter';
export * from './parse';
