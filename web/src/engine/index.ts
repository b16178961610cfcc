// The engine facade: the only module the UI imports for engine work.
export type * from './types';
export { Engine } from './client';
export type { WorkerFactory, WorkerLike } from './client';
