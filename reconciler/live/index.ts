export * from './types.ts';
export * from './normalize.ts';
export { observe, dockerClient } from './observe.ts';
