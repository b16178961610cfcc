// The engine facade: the only module the UI imports for engine work.
export type * from './types';
export type * from './lm-types';
export { Engine } from './client';
export type { WorkerFactory, WorkerLike } from './client';
export { fetchModelFolder } from './model-folder';
export type { FetchFolderOptions, FolderProgress } from './model-folder';
export { fetchCorpus, fetchCorpusIndex } from './corpus';
export type { CorpusIndex, CorpusSplit, FetchCorpusOptions } from './corpus';
