// URL state of rebatch-flakiness: one fixed eval set routed by a capacity router in
// several seeded batch orders, to show a token's dropped status depending on its batch-mates.
import { flag, int } from '../../player/url-state';

export const GROUP_SIZES = [4, 8, 16] as const;

export const rebatchState = {
  /** Index into CAPACITY_FACTORS (default 1.0). */
  rf_cf: int(2, 0, 6),
  rf_group: int(8, 4, 16),
  /** First shuffle seed; run r uses seed rf_seed + r (run 0 of seed 0 is the order as written). */
  rf_seed: int(0, 0, 9999),
  rf_fixed: flag(false),
};

export function groupSize(raw: number): number {
  return (GROUP_SIZES as readonly number[]).includes(raw) ? raw : 8;
}

/** Shuffle seed of run r: with a fixed batch composition every run uses the first order. */
export function runSeed(base: number, run: number, fixed: boolean): number {
  return fixed ? base : base + run;
}
