// The held-out loss curves of a training run, read from the training_log.json that `moe lm train`
// writes beside a checkpoint (engine/tools/lm_train_command.cpp). Reading only: every number is
// one the engine logged while it trained; this file checks the shape and names what is missing.
import type { Result } from '../../engine/types';

/** One model's held-out loss as it trained: x = tokens trained on, one series per domain. */
export interface HeldoutCurves {
  domains: string[]; // [D] in the recipe's order
  tokensPerStep: number; // batch · seq_len
  steps: number[]; // [P] steps at which the held-out loss was logged
  loss: number[][]; // [D][P] mean NLL (nats) on the logged held-out windows
  evalWindows: number; // windows per domain each logged value averages
  windowTokens: number; // tokens per window (seq_len)
  totalParams: number;
  activeParams: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/** Parses a training log's JSON text; an error names the field (`training_log.heldout[2].step: ...`). */
export function parseTrainingLog(text: string): Result<HeldoutCurves> {
  let log: unknown;
  try {
    log = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `training_log.json: not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  const fail = (field: string, reason: string): Result<HeldoutCurves> => ({ ok: false, error: `training_log.${field}: ${reason}` });
  if (!isObject(log)) return fail('(top)', 'must be an object');
  const recipe = log.recipe;
  if (!isObject(recipe)) return fail('recipe', 'missing');
  const { batch, seq_len: seqLen, eval_windows: evalWindows, domains } = recipe;
  if (!isCount(batch)) return fail('recipe.batch', 'must be a whole number > 0');
  if (!isCount(seqLen)) return fail('recipe.seq_len', 'must be a whole number > 0');
  if (!isCount(evalWindows)) return fail('recipe.eval_windows', 'must be a whole number > 0');
  if (!Array.isArray(domains) || domains.length === 0 || !domains.every((d) => typeof d === 'string')) return fail('recipe.domains', 'must be a list of domain names');
  if (!isCount(log.params) || !isCount(log.active_params)) return fail('params', 'params and active_params must be whole numbers > 0');
  if (!Array.isArray(log.heldout) || log.heldout.length === 0) return fail('heldout', 'must be a non-empty list');
  const steps: number[] = [];
  const loss: number[][] = domains.map(() => []);
  for (const [i, point] of log.heldout.entries()) {
    if (!isObject(point) || !isCount(point.step) || !isObject(point.heldout)) return fail(`heldout[${i}]`, 'must be {step, heldout: {domain: loss}}');
    if (steps.length && point.step <= steps[steps.length - 1]) return fail(`heldout[${i}].step`, 'steps must increase');
    steps.push(point.step);
    for (const [d, name] of (domains as string[]).entries()) {
      const v = point.heldout[name];
      if (typeof v !== 'number' || !Number.isFinite(v)) return fail(`heldout[${i}].heldout.${name}`, 'must be a finite number');
      loss[d].push(v);
    }
  }
  return {
    ok: true,
    value: {
      domains: domains as string[],
      tokensPerStep: batch * seqLen,
      steps,
      loss,
      evalWindows,
      windowTokens: seqLen,
      totalParams: log.params,
      activeParams: log.active_params,
    },
  };
}

/** Per domain, the last logged loss of `a` minus that of `b` (negative: `a` ends lower). Domains missing from `b` are left out. */
export function finalGaps(a: HeldoutCurves, b: HeldoutCurves): { domain: string; a: number; b: number; gap: number }[] {
  const out: { domain: string; a: number; b: number; gap: number }[] = [];
  for (const [d, domain] of a.domains.entries()) {
    const j = b.domains.indexOf(domain);
    if (j < 0) continue;
    const va = a.loss[d][a.loss[d].length - 1];
    const vb = b.loss[j][b.loss[j].length - 1];
    out.push({ domain, a: va, b: vb, gap: va - vb });
  }
  return out;
}
