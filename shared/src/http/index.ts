export * from './app';
export * from './errors';
export * from './server';
export * from './resources';
