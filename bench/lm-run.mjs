// The Node side of the language model's rows in `npm run bench` (bench/run.mjs): the token ids the
// Chromium page uses, native training tokens/s (`moe lm train` on the shipped recipe for a few
// steps) and PyTorch CPU training of the same model on the same text (bench/lm_torch.py).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lmMatmulFlops, lmShape } from './lm-onnx.mjs';
import { median } from './suite.mjs';

const DOMAINS = ['prose', 'code', 'arithmetic'];
const TRAIN_BYTES = 96 * 1024; // per domain: the text both trainers read (and one command-line argument)
const TRAIN_STEPS = 6; // the first is a warm-up and not counted
const ROUNDS = 2; // native runs per thread count, alternating 1 and 2 threads
const OUT = 'build/bench';

/**
 * Token ids for the LM rows, encoded with the model's own tokenizer by `moe lm tokenizer encode`:
 *   ids    the prefill input: the first max_position_embeddings tokens of the lesson text
 *   gen    {prompt: the first half of ids, n: the other half} for greedy generation
 *   trainTokens  the first TRAIN_BYTES of each corpus domain's train.txt (the text `moe lm train`
 *                reads with train_bytes), or the lesson text when the corpus is missing
 * Without the native `moe`, seeded pseudo-random ids (noted in `source`). `train` false: no
 * training tokens (the smoke run).
 */
export function prepareLmInputs({ nativeDir, modelDir, corpusDir, recipePath, train = true, log }) {
  const config = JSON.parse(readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
  const recipe = JSON.parse(readFileSync(recipePath, 'utf8'));
  const T = config.max_position_embeddings;
  const moe = path.join(nativeDir, 'moe');
  const tokenizer = path.join(modelDir, 'tokenizer.json');
  const lessons = readdirSync('lessons').filter((f) => f.endsWith('.md')).sort();
  const lessonText = lessons.map((f) => readFileSync(path.join('lessons', f), 'utf8')).join('\n');
  const corpusOk = DOMAINS.every((d) => existsSync(path.join(corpusDir, d, 'train.txt')));
  let ids;
  let trainTokens;
  let source;
  if (existsSync(moe) && existsSync(tokenizer)) {
    const encode = (text) => JSON.parse(execFileSync(moe, ['lm', 'tokenizer', 'encode', tokenizer, '--text', text], { maxBuffer: 1 << 28 }).toString()).ids;
    ids = encode(lessonText.slice(0, 4 * T * 8)).slice(0, T);
    if (!train) {
      trainTokens = [];
      source = 'lesson text';
    } else if (corpusOk) {
      trainTokens = DOMAINS.flatMap((d) => encode(readFileSync(path.join(corpusDir, d, 'train.txt')).subarray(0, TRAIN_BYTES).toString('utf8')));
      source = `lesson text (prefill, generation); the first ${TRAIN_BYTES / 1024} KB of each domain of ${corpusDir} (training)`;
    } else {
      trainTokens = encode(Buffer.from(lessonText).subarray(0, TRAIN_BYTES).toString('utf8'));
      source = `lesson text (no corpus in ${corpusDir}: npm run lm:corpus)`;
    }
  } else {
    let z = 12345n;
    const next = () => {
      z = BigInt.asUintN(64, z * 6364136223846793005n + 1442695040888963407n);
      return Number(z >> 40n) % config.vocab_size;
    };
    ids = Array.from({ length: T }, next);
    trainTokens = Array.from({ length: 65536 }, next);
    source = `seeded pseudo-random ids (no ${moe} to encode text)`;
  }
  if (ids.length < T) throw new Error(`lm: the lesson text gave only ${ids.length} tokens, need ${T}`);
  const P = T / 2;
  log(`lm: ${T} prefill tokens, generation ${P} + ${T - P}, ${trainTokens.length} training tokens from ${source}`);
  return { config, recipe, modelDir, corpusDir, corpusOk, ids, gen: { prompt: ids.slice(0, P), n: T - P }, trainTokens, source };
}

/**
 * `moe lm train` on the shipped recipe, cut to TRAIN_STEPS steps of one chunk each over the first
 * TRAIN_BYTES of each domain, with 1 and with 2 threads (`threads` in the job), in ROUNDS
 * alternating runs each, writing its weights (F32) for the PyTorch row to start from. tokens/s
 * counts the steps after each run's first (each chunk line's elapsed_ms). % of peak: the 1-thread
 * row against one core's 128-bit peak and widest-SIMD peak (moe_bench's peak_wide); the 2-thread
 * row against twice those (both cores). Returns {rows, outDir}.
 */
export function nativeLmTrain({ nativeDir, inputs, peakGflops, widePeak = null, log }) {
  const { recipe, config } = inputs;
  const base = { env: 'native', impl: 'moe-tutor', layer: 'lm-train', tokens: recipe.batch * recipe.seq_len };
  if (!inputs.corpusOk) return { rows: [{ ...base, threads: 1, skipped: `no corpus in ${inputs.corpusDir} (npm run lm:corpus)` }], outDir: null };
  mkdirSync(OUT, { recursive: true });
  const outDir = path.join(OUT, 'lm-init');
  const flops = 3 * recipe.batch * lmMatmulFlops(lmShape(config), recipe.seq_len);
  const secs = { 1: [], 2: [] };
  const losses = {};
  let simd = null;
  for (let round = 0; round < ROUNDS; ++round) {
    for (const threads of [1, 2]) {
      const job = { ...recipe, corpus: inputs.corpusDir, tokenizer: path.join(inputs.modelDir, 'tokenizer.json'), train_bytes: TRAIN_BYTES, steps: TRAIN_STEPS, warmup: 2, chunk: 1, eval_every: 0, eval_windows: 1, routing_steps: [], out: outDir, dtype: 'f32', threads };
      delete job.log;
      const jobPath = path.join(OUT, `lm-train-bench-${threads}.json`);
      writeFileSync(jobPath, JSON.stringify(job, null, 2));
      const lines = execFileSync(path.join(nativeDir, 'moe'), ['lm', 'train', jobPath], { maxBuffer: 1 << 28 }).toString().split('\n');
      const chunks = lines.filter((l) => l.includes('"elapsed_ms"')).map((l) => JSON.parse(l));
      secs[threads].push(...chunks.slice(1).map((c) => c.elapsed_ms / 1000));
      losses[threads] = chunks.map((c) => c.loss[0]);
      simd = JSON.parse(lines.filter((l) => l.includes('"tokens_per_second"')).pop() ?? '{}').simd ?? simd;
    }
  }
  const rows = [1, 2].map((threads) => {
    const tps = secs[threads].map((x) => base.tokens / x);
    const gf = median(secs[threads].map((x) => flops / x / 1e9));
    const row = { ...base, threads, simd, steps: tps.length, tokens_per_s: median(tps), min: Math.min(...tps), max: Math.max(...tps), gflops: gf, peak_cores: threads, pct_of_peak: peakGflops ? (100 * gf) / (threads * peakGflops) : null, pct_of_wide_peak: widePeak ? (100 * gf) / (threads * widePeak.gflops) : null, wide_peak_isa: widePeak?.isa ?? null, losses: losses[threads] };
    log(`native moe-tutor lm train, ${threads} thread(s), ${simd}: ${row.tokens_per_s.toFixed(0)} tokens/s (median of ${tps.length} steps of ${base.tokens} tokens)`);
    return row;
  });
  return { rows, outDir };
}

// Debian's PyTorch, with OpenBLAS's pthread build: installed on demand when root.
function torchPython(log) {
  const python = '/usr/bin/python3'; // Debian's python3-torch is for Debian's python, not a pyenv one
  const has = () => spawnSync(python, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
  if (!has() && process.getuid?.() === 0) {
    log('lm: installing python3-torch and libopenblas0-pthread (apt-get)');
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'python3-torch', 'libopenblas0-pthread'], { stdio: 'ignore' });
  }
  return has() ? python : null;
}

/**
 * PyTorch CPU training (bench/lm_torch.py) of the same model from the native run's weights
 * (`initDir`; the shipped checkpoint when there is none) on the same tokens, with 1 and 2
 * threads, right after the native rows. Rows carry ×pytorch = native / torch tokens/s, each against
 * the native row with the same thread count.
 */
export function torchLmTrain({ inputs, initDir, nativeRows = [], log }) {
  const { recipe } = inputs;
  const base = { env: 'native', impl: 'pytorch', layer: 'lm-train', tokens: recipe.batch * recipe.seq_len };
  const python = torchPython(log);
  if (!python) return [{ ...base, threads: 1, skipped: 'python3-torch not available (apt-get install -y python3-torch libopenblas0-pthread, as root)' }];
  // BLAS: Debian's torch calls libblas.so.3; point the loader at OpenBLAS's pthread build for this
  // process only (the system's update-alternatives choice is left as it is).
  const openblas = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
  const env = { ...process.env };
  if (existsSync(path.join(openblas, 'libblas.so.3'))) env.LD_LIBRARY_PATH = [openblas, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  const tokensPath = path.join(OUT, 'lm-train-tokens.json');
  writeFileSync(tokensPath, JSON.stringify(inputs.trainTokens));
  const args = ['bench/lm_torch.py', initDir ?? inputs.modelDir, tokensPath, '--batch', String(recipe.batch), '--seq-len', String(recipe.seq_len), '--steps', String(TRAIN_STEPS), '--lr', String(recipe.lr), '--weight-decay', String(recipe.weight_decay ?? 0.1), '--switch-aux', String(recipe.balancing?.switch_aux ?? 0), '--z-loss', String(recipe.balancing?.z_loss ?? 0)];
  // One process per thread count, OpenBLAS's own pool sized to match (it does not follow
  // torch.set_num_threads), so one thread means one thread.
  const lines = [];
  for (const t of [1, 2]) {
    const tEnv = { ...env, OMP_NUM_THREADS: String(t), OPENBLAS_NUM_THREADS: String(t) };
    const r = spawnSync(python, [...args, '--threads', String(t)], { env: tEnv, maxBuffer: 1 << 26 });
    if (r.status !== 0) return [{ ...base, threads: t, skipped: `bench/lm_torch.py failed: ${r.stderr.toString().slice(-400)}` }];
    lines.push(...r.stdout.toString().split('\n').filter((l) => l.startsWith('{')));
  }
  return lines.map((l) => {
    const o = JSON.parse(l);
    const tps = o.step_seconds.slice(1).map((x) => base.tokens / x);
    const row = { ...base, threads: o.threads, steps: tps.length, tokens_per_s: median(tps), min: Math.min(...tps), max: Math.max(...tps), torch: o.torch, blas: o.blas.join(', ') || 'none loaded', blas_setup: `${env.LD_LIBRARY_PATH ? `LD_LIBRARY_PATH=${openblas}` : 'the system libblas.so.3'}, OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=${o.threads}`, losses: o.losses };
    const nativeRow = nativeRows.find((n) => n.threads === row.threads);
    if (nativeRow?.tokens_per_s) row.native_over_pytorch = nativeRow.tokens_per_s / row.tokens_per_s;
    log(`native pytorch ${o.torch} lm train, ${o.threads} thread(s): ${row.tokens_per_s.toFixed(0)} tokens/s (BLAS ${row.blas})`);
    return row;
  });
}
