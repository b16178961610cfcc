// Phase 3 helpers: the lesson demos match the engine's demonstration configs, chart geometry,
// byte formatting, and chunked training with cancel (trainInChunks, TrainingRun) against a fake engine.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Result, TrainChunk, TrainConfig, TrainStats } from '../../web/src/engine/types';
import { BIAS_CONFIG, COLLAPSE_CONFIG, DEMO_SEEDS, SWITCH_AUX_CONFIG } from '../../web/src/widgets/train-common/demo';
import { RunSeries, argmax, trainInChunks, type TrainEngine } from '../../web/src/widgets/train-common/run';
import { TrainingRun, combinedPhase } from '../../web/src/widgets/train-common/training-run.svelte';
import { loadBandPaths, lossAxisMax, stepLinePath, stepScale, valueScale } from '../../web/src/widgets/train-common/chart';
import { bytesText } from '../../web/src/widgets/train-common/comm';
import { comparedConfigs } from '../../web/src/widgets/balance-compare/spec';
import { handleRequest } from '../../web/src/engine/rpc';
import type { EngineMethods } from '../../web/src/engine/api';

const header = readFileSync(fileURLToPath(new URL('../../engine/include/moe/train/demo_seeds.hpp', import.meta.url)), 'utf8');
function demo(name: string): unknown {
  const m = new RegExp(`${name} = R"\\((\\{[\\s\\S]*?\\})\\)"`).exec(header);
  if (!m) throw new Error(`${name} not found in demo_seeds.hpp`);
  return JSON.parse(m[1]);
}

describe('demonstration configs', () => {
  it('are the engine tests’ configs, field for field', () => {
    expect(COLLAPSE_CONFIG).toEqual(demo('kCollapseConfig'));
    expect(SWITCH_AUX_CONFIG).toEqual(demo('kSwitchAuxConfig'));
    expect(BIAS_CONFIG).toEqual(demo('kBiasConfig'));
    expect([...DEMO_SEEDS]).toEqual(JSON.parse(/kSeeds = \{([^}]*)\}/.exec(header)![1].replace(/^/, '[').replace(/$/, ']')));
  });

  it('compare the same run with and without balancing', () => {
    const a = comparedConfigs(0, 3, 2, 1);
    expect(a.baseline).toEqual({ ...COLLAPSE_CONFIG, seed: 1 });
    expect(a.balanced).toEqual({ ...SWITCH_AUX_CONFIG, seed: 1 });
    const z = comparedConfigs(1, 0, 2, 2);
    expect(z.balanced.balancing).toEqual({ kind: 'z_loss', alpha: 0.0001 });
    const b = comparedConfigs(2, 3, 2, 1);
    expect(b.balanced).toEqual({ ...BIAS_CONFIG, seed: 1 });
    expect(b.baseline).toEqual({ ...BIAS_CONFIG, seed: 1, balancing: { kind: 'none' } });
  });
});

describe('chart geometry (d3 scales and shapes)', () => {
  // A plot 100 px wide over 4 planned steps (25 px a step) and 10 px high for shares 0 … 1.
  const x = stepScale(4, 2, 100);
  const share = valueScale(1, 10);

  it('stacks each step’s shares bottom to top in expert order, each step held across its width', () => {
    // Step 1: E1 0.5, E2 0.5. Step 2: E1 takes everything.
    expect(loadBandPaths([[0.5, 0.5], [1, 0]], 2, x, share)).toEqual([
      'M0,5L25,5L25,0L50,0L50,0L50,10L50,10L25,10L25,10L0,10Z', // E1: 0 … 0.5, then 0 … 1
      'M0,0L25,0L25,0L50,0L50,0L50,0L50,0L25,0L25,5L0,5Z', // E2: 0.5 … 1, then nothing
    ]);
    expect(loadBandPaths([], 2, x, share)).toEqual([]);
    // Shares outside 0 … 1 stay inside the plot.
    expect(loadBandPaths([[1.2, -0.1]], 2, x, share)).toEqual(['M0,0L25,0L25,0L25,10L25,10L0,10Z', 'M0,0L25,0L25,0L25,0L25,0L0,0Z']);
  });

  it('spans the planned run, or the steps done when a run went further', () => {
    expect(stepScale(400, 25, 300).domain()).toEqual([0, 400]);
    expect(stepScale(400, 500, 300).domain()).toEqual([0, 500]);
    expect(stepScale(400, 0, 300).ticks(3)).toEqual([0, 100, 200, 300, 400]);
  });

  it('draws a loss as a line held across each step, on an axis that ends at a tick above the largest value', () => {
    expect(stepLinePath([0.01, 0.02], stepScale(2, 2, 10), valueScale(0.02, 10))).toBe('M0,5L5,5L5,0L10,0L10,0');
    expect(stepLinePath([], x, share)).toBe('');
    expect(lossAxisMax([0.0105, 0.002], 3)).toBeCloseTo(0.015);
    expect(lossAxisMax([0.3], 3)).toBeCloseTo(0.3);
    expect(lossAxisMax([], 3)).toBe(1);
    expect(lossAxisMax([0, 0], 3)).toBe(1);
    expect(valueScale(0.015, 96).tickFormat(3)(0.005)).toBe('0.005');
    expect(share.tickFormat(4, '.0%')(0.5)).toBe('50%');
  });

  it('names the busiest expert', () => {
    expect(argmax([0.1, 0.7, 0.7])).toBe(1);
    expect(argmax([])).toBe(-1);
  });
});

describe('byte formatting (the byte counts come from the engine: tests/web/comm.test.ts)', () => {
  it('uses decimal units with three significant digits', () => {
    expect(bytesText(46.7e9 * 2)).toBe('93.4 GB');
    expect(bytesText(512)).toBe('512 B');
  });
});

function fakeEngine(opts: { failRunAt?: number } = {}) {
  const log: string[] = [];
  let step = 0;
  const engine: TrainEngine = {
    trainCreate: async () => (log.push('create'), { ok: true, value: 7 }),
    trainRun: async (id, steps): Promise<Result<TrainChunk>> => {
      log.push(`run ${steps}`);
      if (opts.failRunAt !== undefined && step >= opts.failRunAt) return { ok: false, error: 'engine: boom' };
      const E = 2;
      const chunk: TrainChunk = {
        steps,
        step: step + steps,
        num_experts: E,
        loss: Float32Array.from({ length: steps }, (_, i) => step + i),
        aux_loss: new Float32Array(steps),
        expert_load: Float32Array.from({ length: steps * E }, (_, i) => (i % 2 ? 0.25 : 0.75)),
        router_prob: Float32Array.from({ length: steps * E }, (_, i) => (i % 2 ? 0.4 : 0.6)),
        selection_bias: Float32Array.of(-0.01 * (step + steps), 0.01 * (step + steps)),
      };
      step += steps;
      return { ok: true, value: chunk };
    },
    trainStats: async (): Promise<Result<TrainStats>> => ({
      ok: true,
      value: {
        load_cv: 0.5,
        max_share: 0.75,
        loss: 1,
        expert_load: Float32Array.of(0.75, 0.25),
        router_prob: Float32Array.of(0.6, 0.4),
        switch_term: Float32Array.of(0.9, 0.2),
        switch_loss: 1.1,
      },
    }),
    trainDelete: async (id) => (log.push(`delete ${id}`), { ok: true, value: null }),
  };
  return { engine, log };
}

describe('trainInChunks', () => {
  const config: TrainConfig = { task: 'tokens' };
  it('runs in chunks, reports each, and keeps the trainer for the caller', async () => {
    const { engine, log } = fakeEngine();
    const series = new RunSeries();
    const out = await trainInChunks(engine, config, { steps: 60, chunk: 25, cancel: { cancelled: false }, onChunk: (c) => series.append(c) });
    expect(out.ok && out.value.status).toBe('done');
    expect(log).toEqual(['create', 'run 25', 'run 25', 'run 10']);
    expect(series.steps).toBe(60);
    expect(series.loads[59]).toEqual([0.75, 0.25]);
    expect(series.chunkEnds).toEqual([25, 50, 60]);
    expect(series.routerProb[59]).toEqual([Math.fround(0.6), Math.fround(0.4)]);
    expect(series.bias).toEqual([Math.fround(-0.6), Math.fround(0.6)]); // the latest chunk's
  });
  it('stops between chunks when cancelled and frees the trainer', async () => {
    const { engine, log } = fakeEngine();
    const cancel = { cancelled: false };
    const out = await trainInChunks(engine, config, { steps: 100, chunk: 25, cancel, onChunk: (c) => c.step >= 50 && (cancel.cancelled = true) });
    expect(out).toEqual({ ok: true, value: { status: 'cancelled', stepsDone: 50, engineMs: expect.any(Number) } });
    expect(log).toEqual(['create', 'run 25', 'run 25', 'delete 7']);
  });
  it('returns an engine error as a value and frees the trainer', async () => {
    const { engine, log } = fakeEngine({ failRunAt: 25 });
    const out = await trainInChunks(engine, config, { steps: 100, chunk: 25, cancel: { cancelled: false }, onChunk: () => {} });
    expect(out).toEqual({ ok: false, error: 'engine: boom' });
    expect(log.at(-1)).toBe('delete 7');
    expect(await trainInChunks(engine, config, { steps: -1, chunk: 25, cancel: { cancelled: false }, onChunk: () => {} })).toMatchObject({ ok: false });
  });
});

describe('worker protocol for training', () => {
  it('routes the train* methods to the engine', () => {
    const calls: string[] = [];
    const engine = {
      trainCreate: () => (calls.push('create'), { ok: true, value: 3 }),
      trainDelete: (id: number) => (calls.push(`delete ${id}`), { ok: true, value: null }),
      trainTime: (id: number, steps: number) => (calls.push(`time ${id} ${steps}`), { ok: false, error: 'x' }),
    } as unknown as EngineMethods;
    expect(handleRequest(engine, { id: 1, method: 'trainCreate', args: [{ task: 'tokens' }] }).result).toEqual({ ok: true, value: 3 });
    expect(handleRequest(engine, { id: 2, method: 'trainDelete', args: [3] }).result).toEqual({ ok: true, value: null });
    expect(handleRequest(engine, { id: 3, method: 'trainTime', args: [3, 20] }).result).toEqual({ ok: false, error: 'x' });
    expect(calls).toEqual(['create', 'delete 3', 'time 3 20']);
  });
});

describe('TrainingRun (a widget’s training run)', () => {
  const config: TrainConfig = { task: 'tokens' };
  const options = { steps: 60, chunk: 25, pauseMs: 0 };
  it('finishes with stats and keeps the trainer until the next run or forget()', async () => {
    const { engine, log } = fakeEngine();
    const run = new TrainingRun(() => engine);
    const chunks: number[] = [];
    expect(await run.start(config, { ...options, onChunk: (c) => chunks.push(c.step) })).toBe(true);
    expect([run.phase, run.done, run.planned, run.trainerId, run.stats?.max_share]).toEqual(['done', 60, 60, 7, 0.75]);
    expect(chunks).toEqual([25, 50, 60]);
    expect(run.rate).toBeGreaterThan(0);
    await run.start(config, { ...options, steps: 25 });
    expect(log.filter((l) => l === 'delete 7')).toHaveLength(1); // the first run's trainer, freed by the second start
    run.forget();
    expect(run.trainerId).toBeNull();
  });
  it('stops on cancel, and reports an engine error as its phase', async () => {
    const { engine, log } = fakeEngine();
    const run = new TrainingRun(() => engine);
    const started = run.start(config, { ...options, steps: 100, onChunk: (c) => c.step >= 50 && run.cancel() });
    expect(run.phase).toBe('running');
    expect(await started).toBe(false);
    expect([run.phase, run.done, run.trainerId]).toEqual(['cancelled', 50, null]);
    expect(log.at(-1)).toBe('delete 7');
    const failing = new TrainingRun(() => fakeEngine({ failRunAt: 25 }).engine);
    expect(await failing.start(config, options)).toBe(false);
    expect([failing.phase, failing.error]).toEqual(['error', 'engine: boom']);
  });
  it('drops a run that a newer start or dispose() overtook, and frees its trainer', async () => {
    const { engine, log } = fakeEngine();
    const run = new TrainingRun(() => engine);
    const first = run.start(config, options);
    run.dispose();
    expect(await first).toBe(false);
    expect(run.trainerId).toBeNull();
    expect(log.at(-1)).toBe('delete 7'); // finished after dispose(): its trainer is not kept
    const chunks: number[] = [];
    const a = run.start(config, { ...options, onChunk: (c) => chunks.push(c.step) });
    const b = run.start(config, { ...options, steps: 25 });
    expect(await a).toBe(false);
    expect(await b).toBe(true);
    expect([run.phase, run.planned]).toEqual(['done', 25]);
    expect(chunks.length).toBeLessThan(3); // the overtaken run stopped reporting chunks
  });
  it('combines the phases of runs started together', () => {
    expect(combinedPhase(['done', 'running'])).toBe('running');
    expect(combinedPhase(['error', 'cancelled'])).toBe('error');
    expect(combinedPhase(['done', 'cancelled'])).toBe('cancelled');
    expect(combinedPhase(['done', 'done'])).toBe('done');
    expect(combinedPhase(['idle', 'idle'])).toBe('idle');
  });
});
