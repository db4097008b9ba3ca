export * from './kafka';
export * from './publisher';
export * from './consumer';
export * from './batching';
export * from './errors';
export * from './health';
export * from './replay';
