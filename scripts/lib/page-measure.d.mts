// Types for page-measure.mjs (used by tests/e2e/page-weight.spec.ts).
import type { Browser } from 'playwright-core';

export const FIRST_LESSON: string;
export const TRAINING_LESSON: string;
export type ResourceKind = 'wasm' | 'js' | 'css' | 'font' | 'other';
export function resourceKind(url: string): ResourceKind;
export function startServe(distDir: string): Promise<{ url: string; stop: () => void }>;
export function measureFirstLesson(
  browser: Browser,
  baseUrl: string,
): Promise<{
  transfer_bytes: number;
  by_kind: Record<ResourceKind, number>;
  files: { url: string; kind: ResourceKind; bytes: number }[];
  interactive_ms: number;
}>;
export function measureTrainingLongTasks(
  browser: Browser,
  baseUrl: string,
): Promise<{ longest_task_ms: number; long_tasks: number; longest_task_cpu_ms: number; run_ms: number }>;
