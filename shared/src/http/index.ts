export * from './app';
export * from './errors';
export * from './server';
export * from './readiness';
export * from './auth';
export * from './audit';
export * from './ratelimit';
export * from './access';
