export * from './codec.ts';
export { describeSignaling } from './describe.ts';
export * from './domain.ts';
export * from './errors.ts';
export * from './recording.ts';
export * from './rest.ts';
export * from './sfu.ts';
export * from './signaling.ts';
