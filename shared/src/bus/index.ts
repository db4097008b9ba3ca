export * from './kafka';
export * from './publisher';
export * from './consumer';
export * from './batching';
