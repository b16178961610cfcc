// The lm-train widget's pure parts: the prompt check, where a run stops to record and sample, how
// chunks are filed by layer and step, the three recipes, and a run driven against a fake engine
// (chunks, samples, cancel between chunks, errors).
import { describe, expect, it } from 'vitest';
import type { LmTrainChunk, Result } from '../../web/src/engine';
import { balancingKinds, lessonRecipe } from '../../web/src/widgets/lm-train/recipes';
import { appendChunk, LmTrainSession } from '../../web/src/widgets/lm-train/session.svelte';
import type { LmTrainEngine, RunPlan, RunRecord } from '../../web/src/widgets/lm-train/session.svelte';
import { checkPrompt, chunkEnds, lastMean, MAX_PROMPT_CHARS, samplePoints, stopPoints } from '../../web/src/widgets/lm-train/summary';

describe('checkPrompt', () => {
  it('refuses an empty, an overlong and a control-character prompt with a message saying why', () => {
    expect(checkPrompt('')).toEqual({ ok: false, message: 'The prompt is empty: type a few words for the samples to continue.' });
    const long = checkPrompt('x'.repeat(100_000));
    expect(long.ok).toBe(false);
    expect(long.message).toBe(`The prompt is 100,000 characters long; keep it under ${MAX_PROMPT_CHARS}: this model reads at most 64 tokens, prompt and sample together.`);
    expect(checkPrompt('a\u0007b')).toEqual({ ok: false, message: 'The prompt has a control character (U+0007) at position 2; remove it.' });
  });

  it('takes plain text, tabs and newlines, and other scripts with a note', () => {
    expect(checkPrompt('And the').ok).toBe(true);
    expect(checkPrompt('def f(x):\n\treturn').ok).toBe(true);
    const mixed = checkPrompt('Ωμέγα 中文 and the');
    expect(mixed.ok).toBe(true);
    expect(mixed.message).toMatch(/^Characters outside ASCII become byte pieces/);
  });
});

describe('where a run stops', () => {
  it('samples at 0, a quarter, half and the end, and records routing every recordEvery steps', () => {
    expect(samplePoints(300)).toEqual([75, 150]);
    expect(samplePoints(2)).toEqual([1]);
    expect(stopPoints({ recordEvery: 25, sampleAt: samplePoints(100) }, 100)).toEqual([0, 25, 50, 75, 100]);
    expect(stopPoints({ recordEvery: 40, sampleAt: [30] }, 100)).toEqual([0, 30, 40, 80, 100]);
  });

  it('chunkEnds lists every chunk end up to the steps done', () => {
    expect(chunkEnds(12, 5)).toEqual([5, 10, 12]);
    expect(chunkEnds(10, 5)).toEqual([5, 10]);
    expect(chunkEnds(0, 5)).toEqual([]);
  });

  it('lastMean averages the last n values', () => {
    expect(lastMean([1, 2, 3, 4], 2)).toBe(3.5);
    expect(lastMean([5], 10)).toBe(5);
    expect(lastMean([], 3)).toBeNaN();
  });
});

describe('recipes', () => {
  it('differ only in balancing, and share seed, batches and model', () => {
    const [none, sw, bias] = balancingKinds.map((k) => lessonRecipe(k, 300, 1));
    expect(none.balancing).toEqual({});
    expect(sw.balancing).toEqual({ switch_aux: 0.01 });
    expect(bias.balancing).toEqual({ bias_gamma: 0.001 });
    for (const r of [sw, bias]) expect({ ...r, balancing: {} }).toEqual(none);
  });
});

/** A chunk of n steps for L = 2 layers of E = 4 experts: loads that make the numbers checkable. */
function chunkOf(step: number, n: number): LmTrainChunk {
  const L = 2;
  const E = 4;
  const load = new Int32Array(n * L * E);
  for (let i = 0; i < load.length; i++) load[i] = (i % E) + 1; // 1 2 3 4 in every layer: shares 0.1 … 0.4
  return {
    step: step + n,
    done: false,
    loss: Float64Array.from({ length: n }, (_, s) => 5 - (step + s) / 10),
    aux: new Float64Array(n),
    lr: new Float32Array(n),
    expert_load: load,
    load_cv: new Float64Array(n * L).fill(0.45),
    max_share: new Float64Array(n * L).fill(0.4),
    dead_experts: new Int32Array(n * L),
  };
}

it('appendChunk files each step by layer, with shares of the layer total', () => {
  const run = { loss: [], shares: [[], []], maxShare: [[], []], loadCv: [[], []], dead: [[], []], layers: 2, experts: 4, done: 0 } as unknown as RunRecord;
  appendChunk(run, chunkOf(0, 3));
  expect(run.loss).toEqual([5, 4.9, 4.8]);
  expect(run.done).toBe(3);
  expect(run.shares[1]).toHaveLength(3);
  expect(run.shares[1][2]).toEqual([0.1, 0.2, 0.3, 0.4]);
  expect(run.maxShare[0]).toEqual([0.4, 0.4, 0.4]);
});

/** A fake engine: records calls, answers chunks, may fail one call or pause on a chunk. */
function fakeEngine(options: { failOn?: string; onSteps?: (done: number) => void } = {}) {
  const calls: string[] = [];
  let done = 0;
  const steps = 20;
  const answer = <T>(name: string, value: T): Promise<Result<T>> => {
    calls.push(name);
    return Promise.resolve(options.failOn === name ? { ok: false, error: `${name}: broken` } : { ok: true, value });
  };
  const engine: LmTrainEngine = {
    lmTrainStart: () => answer('start', { id: 7, layers: 2, experts: 4, steps, params: 1000, active_params: 600 }),
    lmTrainSteps: (_id, n) => {
      const c = chunkOf(done, n);
      done += n;
      options.onSteps?.(done);
      return answer(`steps ${n}`, { ...c, done: done >= steps });
    },
    lmTrainHeldout: () => answer('heldout', [3, 4, 1]),
    lmTrainRecordRouting: () => answer(`record ${done}`, done),
    lmTrainSaturation: () => answer('saturation', { steps: Int32Array.of(0, 10, 20), per_layer: new Float64Array(6).fill(0.5), mean: Float64Array.of(0.3, 0.6, 1) }),
    lmTrainGenerate: () => answer(`generate ${done}`, { text: `text at ${done}` }),
    lmTrainDelete: () => answer('delete', null),
  };
  return { engine, calls };
}

const plan: RunPlan = {
  recipe: lessonRecipe('none', 20, 1),
  texts: { tokenizer: '{}', domains: ['a', 'b', 'c'], train: ['', '', ''], heldout: ['', '', ''] },
  prompt: 'And the',
  chunk: 4,
  recordEvery: 10,
  sampleAt: samplePoints(20),
  sampleTokens: 8,
  pauseMs: 0,
};

describe('LmTrainSession against a fake engine', () => {
  it('trains in chunks that end on every stop, samples, then asks for held-out loss and saturation', async () => {
    const { engine, calls } = fakeEngine();
    const session = new LmTrainSession(() => engine);
    const run = await session.start('none', plan);
    expect(run?.status).toBe('done');
    expect(calls).toEqual([
      'start',
      'record 0',
      'generate 0',
      'steps 4',
      'steps 1',
      'record 5',
      'generate 5',
      'steps 4',
      'steps 1',
      'record 10',
      'generate 10',
      'steps 4',
      'steps 4',
      'steps 2',
      'record 20',
      'generate 20',
      'heldout',
      'saturation',
      'delete',
    ]);
    expect(run?.samples.map((s) => s.step)).toEqual([0, 5, 10, 20]);
    expect(run?.loss).toHaveLength(20);
    expect(run?.heldout).toEqual([3, 4, 1]);
    expect(session.runs.none?.status).toBe('done');
    expect(session.active).toBeNull();
  });

  it('stops between chunks on cancel, frees the trainer and says cancelled', async () => {
    let session: LmTrainSession | null = null;
    const { engine, calls } = fakeEngine({ onSteps: (done) => done >= 8 && session?.cancel() });
    session = new LmTrainSession(() => engine);
    const run = await session.start('switch', plan);
    expect(run?.status).toBe('cancelled');
    expect(run?.done).toBe(9);
    expect(calls.at(-1)).toBe('delete');
    expect(calls.filter((c) => c.startsWith('steps'))).toHaveLength(3);
    expect(session.runs.switch?.status).toBe('cancelled');
    expect(session.active).toBeNull();
  });

  it('reports an engine error and frees the trainer', async () => {
    const { engine, calls } = fakeEngine({ failOn: 'heldout' });
    const session = new LmTrainSession(() => engine);
    const run = await session.start('bias', plan);
    expect(run?.status).toBe('error');
    expect(run?.error).toBe('heldout: broken');
    expect(calls.at(-1)).toBe('delete');
    const failedStart = fakeEngine({ failOn: 'start' });
    const again = await new LmTrainSession(() => failedStart.engine).start('bias', plan);
    expect(again).toMatchObject({ status: 'error', error: 'start: broken' });
  });
});
