// The measurements one JavaScript environment makes (Node or the Chromium page): our engine (SIMD
// and scalar wasm builds of bench/moe_bench.cpp), tfjs-backend-wasm and onnxruntime-web on the
// same weights, checked equal within tolerance before any timing, and the peak microbenchmark.
// No Node or DOM APIs here; the caller passes the loaded modules in.
import { moeOnnxModel, transpose } from './onnx.mjs';

export const LAYERS = {
  ref: { d: 256, f: 1024, E: 8, k: 2, swiglu: 0 },
  'ref-swiglu': { d: 256, f: 1024, E: 8, k: 2, swiglu: 1 },
  tutor: { d: 16, f: 32, E: 4, k: 2, swiglu: 0 },
  tiny: { d: 8, f: 16, E: 4, k: 2, swiglu: 0 }, // the smoke test's layer
};

/** Useful MoE flops per token: router 2·d·E plus, per chosen expert, 2·d·f per weight matrix. */
export function flopsPerToken({ d, f, E, k, swiglu }) {
  return 2 * d * E + k * (swiglu ? 3 : 2) * 2 * d * f;
}

const now = () => performance.now() / 1000;
export const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Times `body(reps)` (sync or async): warm-up of at least `warm` seconds (V8 tiers wasm up in the
 * background and only new calls use the optimised code), then `runs` samples of >= `minS` seconds.
 * Returns seconds per rep of every sample.
 */
export async function timeRuns(body, { runs = 7, minS = 0.05, warm = 0.3 } = {}) {
  let reps = 1;
  const t0 = now();
  while (now() - t0 < warm) await body(1);
  for (;;) {
    const s = now();
    await body(reps);
    const dt = now() - s;
    if (dt >= minS || reps > 1e7) break;
    reps = dt <= 0 ? reps * 10 : Math.ceil((reps * 1.3 * minS) / dt);
  }
  const out = [];
  for (let r = 0; r < runs; ++r) {
    const s = now();
    await body(reps);
    out.push((now() - s) / reps);
  }
  return out;
}

/**
 * Times several bodies sample by sample in turn (body 0, body 1, body 0, ...), so a machine whose
 * load changes affects them alike; reps are calibrated on body 0. Returns seconds per rep, one
 * array per body.
 */
export async function timeInterleaved(bodies, { runs = 7, minS = 0.05, warm = 0.3 } = {}) {
  for (const body of bodies) {
    const t0 = now();
    while (now() - t0 < warm / bodies.length) await body(1);
  }
  let reps = 1;
  for (;;) {
    const s = now();
    await bodies[0](reps);
    const dt = now() - s;
    if (dt >= minS || reps > 1e7) break;
    reps = dt <= 0 ? reps * 10 : Math.ceil((reps * 1.3 * minS) / dt);
  }
  const out = bodies.map(() => []);
  for (let r = 0; r < runs; ++r) {
    for (let b = 0; b < bodies.length; ++b) {
      const s = now();
      await bodies[b](reps);
      out[b].push((now() - s) / reps);
    }
  }
  return out;
}

function randomInput(n, seed) {
  const x = new Float32Array(n);
  let z = BigInt(seed);
  for (let i = 0; i < n; ++i) {
    z = BigInt.asUintN(64, z * 6364136223846793005n + 1442695040888963407n);
    x[i] = (Number((z >> 40n) & 0xffffffn) / 16777216) * 2 - 1;
  }
  return x;
}

// ---- our engine through the bench module's C API ------------------------------------------------
export class MoeBench {
  constructor(mod) {
    this.m = mod;
  }
  heap() {
    return this.m.HEAPF32 ?? new Float32Array(this.m.wasmMemory?.buffer ?? this.m.asm.memory.buffer);
  }
  create(L, seed = 1) {
    if (this.m._bench_layer_create(L.d, L.f, L.E, L.k, L.swiglu, seed) !== 0) {
      throw new Error(this.m.UTF8ToString(this.m._bench_error()));
    }
    this.L = L;
  }
  weights() {
    const { d, f, E, swiglu } = this.L;
    const view = (which, e, n) => this.heap().slice(this.m._bench_layer_weight(which, e) >> 2, (this.m._bench_layer_weight(which, e) >> 2) + n);
    return {
      router: view(0, 0, E * d),
      experts: Array.from({ length: E }, (_, e) => ({
        w1: view(1, e, f * d),
        w2: view(2, e, d * f),
        w3: swiglu ? view(3, e, f * d) : null,
      })),
    };
  }
  setInput(x, T) {
    if (this.xp) this.m._bench_free(this.xp);
    this.xp = this.m._bench_alloc(x.length);
    this.heap().set(x, this.xp >> 2);
    this.T = T;
  }
  forward(reps = 1) {
    for (let r = 0; r < reps; ++r) {
      if (this.m._bench_layer_forward(this.xp, this.T, 1) !== 0) throw new Error(this.m.UTF8ToString(this.m._bench_error()));
    }
  }
  output() {
    const p = this.m._bench_layer_output() >> 2;
    return this.heap().slice(p, p + this.T * this.L.d);
  }
}

// ---- tfjs-backend-wasm: the same sparse MoE, expert by expert ------------------------------------
// Router, softmax, top-k and renormalisation in tfjs; the top-k ids are read back (a few KB) to
// list each expert's tokens; then per expert gather -> matMul -> silu (-> · up) -> matMul -> · gate
// -> scatterND into the output. Weights pre-transposed to [in, out] once.
export class TfMoe {
  constructor(tf, L, w) {
    this.tf = tf;
    this.L = L;
    const { d, f, E } = L;
    this.wg = tf.tensor2d(transpose(w.router, E, d), [d, E]);
    this.ex = w.experts.map((x) => ({
      w1: tf.tensor2d(transpose(x.w1, f, d), [d, f]),
      w2: tf.tensor2d(transpose(x.w2, d, f), [f, d]),
      w3: x.w3 ? tf.tensor2d(transpose(x.w3, f, d), [d, f]) : null,
    }));
  }
  setInput(x, T) {
    this.x?.dispose();
    this.x = this.tf.tensor2d(x, [T, this.L.d]);
    this.T = T;
  }
  run() {
    const tf = this.tf;
    const { d, E, k } = this.L;
    const T = this.T;
    return tf.tidy(() => {
      const probs = tf.softmax(tf.matMul(this.x, this.wg));
      const { values, indices } = tf.topk(probs, k);
      const gates = tf.reshape(tf.div(values, tf.sum(values, 1, true)), [T * k]);
      const ids = indices.dataSync();
      const rows = Array.from({ length: E }, () => []);
      const pairs = Array.from({ length: E }, () => []);
      for (let p = 0; p < T * k; ++p) {
        rows[ids[p]].push((p / k) | 0);
        pairs[ids[p]].push(p);
      }
      let out = tf.zeros([T, d]);
      for (let e = 0; e < E; ++e) {
        if (!rows[e].length) continue;
        const r = tf.tensor1d(rows[e], 'int32');
        const xe = tf.gather(this.x, r);
        const h = tf.matMul(xe, this.ex[e].w1);
        let a = tf.mul(h, tf.sigmoid(h));
        if (this.ex[e].w3) a = tf.mul(a, tf.matMul(xe, this.ex[e].w3));
        const g = tf.reshape(tf.gather(gates, tf.tensor1d(pairs[e], 'int32')), [rows[e].length, 1]);
        const ye = tf.mul(tf.matMul(a, this.ex[e].w2), g);
        out = tf.add(out, tf.scatterND(tf.reshape(r, [rows[e].length, 1]), ye, [T, d]));
      }
      return out;
    });
  }
  forward(reps = 1) {
    for (let r = 0; r < reps; ++r) {
      const y = this.run();
      y.dataSync();
      y.dispose();
    }
  }
  output() {
    const y = this.run();
    const v = y.dataSync().slice();
    y.dispose();
    return v;
  }
}

// ---- onnxruntime-web: the graph of onnx.mjs -------------------------------------------------------
export class OrtMoe {
  static async create(ort, L, w) {
    const o = new OrtMoe();
    o.ort = ort;
    o.L = L;
    o.session = await ort.InferenceSession.create(moeOnnxModel(L, w), {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
    });
    return o;
  }
  setInput(x, T) {
    this.feeds = { x: new this.ort.Tensor('float32', x, [T, this.L.d]) };
    this.T = T;
  }
  async forward(reps = 1) {
    for (let r = 0; r < reps; ++r) await this.session.run(this.feeds);
  }
  async output() {
    const r = await this.session.run(this.feeds);
    return r.y.data.slice();
  }
}

/**
 * The SIMD peak of one thread: independent f32x4 chains a = a·m + c, the best of 8, 12 and 16
 * chains, timed with `tRuns`. Returns {gflops, min, max, chains, iters, work (flops per call),
 * secs (median seconds per call), per (median GFLOP/s by chains)}.
 */
export async function measurePeak(mod, tRuns) {
  const lanes = mod._bench_simd_lanes();
  let best = null;
  const per = {};
  for (const chains of [8, 12, 16]) {
    const iters = 1 << 16;
    const secs = await tRuns((reps) => {
      for (let r = 0; r < reps; ++r) mod._bench_peak(chains, iters, 0.9999, 0.0001);
    });
    const gf = secs.map((s) => (2 * iters * chains * lanes) / s / 1e9);
    per[chains] = median(gf);
    if (!best || median(gf) > best.gflops) best = { gflops: median(gf), min: Math.min(...gf), max: Math.max(...gf), chains, iters, work: 2 * iters * chains * lanes, secs: median(secs) };
  }
  return { ...best, per };
}

// The load-latency probe (bench_load_latency in moe_bench.cpp): one pass of dependent loads along
// a random cycle through 4 MiB.
export const loadProbe = { kib: 4096, loads: 1 << 16 };

export function maxRelErr(a, ref) {
  let err = 0;
  let scale = 1e-30;
  for (let i = 0; i < ref.length; ++i) {
    err = Math.max(err, Math.abs(a[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return a.length === ref.length ? err / scale : Infinity;
}

/**
 * Runs every case and returns result rows (the JSON schema of bench/run.mjs) plus `checks`.
 * mods: {simd, scalar?} Emscripten modules of moe_bench; tf (with the wasm backend set) and ort
 * may be null (that peer is skipped).
 */
export async function runSuite({ env, mods, tf, ort, cases, train = true, timing = {}, log = () => {}, tol = 1e-3, threads = 2 }) {
  const results = [];
  const checks = [];
  const ours = new MoeBench(mods.simd);
  // mods.mt: the -pthread build (Chromium, cross-origin isolated page): timed with 1 and `threads`
  // threads, interleaved; its output must equal the plain build's bit for bit.
  const mt = mods.mt ? new MoeBench(mods.mt) : null;
  const scalar = mods.scalar ? new MoeBench(mods.scalar) : null;
  const tRuns = (body, t = {}) => timeRuns(body, { ...timing, ...t });
  const push = (impl, layer, T, secs, extra = {}) => {
    const L = LAYERS[layer];
    const tps = secs.map((s) => T / s);
    const gf = tps.map((v) => (v * flopsPerToken(L)) / 1e9);
    results.push({
      env, impl, layer, tokens: T, threads: 1,
      tokens_per_s: median(tps), gflops: median(gf),
      min: Math.min(...tps), max: Math.max(...tps),
      gflops_min: Math.min(...gf), gflops_max: Math.max(...gf), ...extra,
    });
    log(`${env} ${impl} ${layer} T=${T}: ${median(tps).toFixed(0)} tokens/s, ${median(gf).toFixed(2)} GFLOP/s`);
  };

  const peakBest = await measurePeak(mods.simd, tRuns);
  results.push({ env, impl: 'peak', layer: null, tokens: null, threads: 1, gflops: peakBest.gflops, min: peakBest.min, max: peakBest.max, chains: peakBest.chains, gflops_by_chains: peakBest.per });
  log(`${env} peak: ${peakBest.gflops.toFixed(2)} GFLOP/s (${peakBest.chains} chains; ${JSON.stringify(peakBest.per)})`);

  for (const { layer, tokens } of cases) {
    const L = LAYERS[layer];
    ours.create(L, 1);
    const w = ours.weights();
    scalar?.create(L, 1);
    mt?.create(L, 1);
    const tfm = tf ? new TfMoe(tf, L, w) : null;
    const ortm = ort ? await OrtMoe.create(ort, L, w) : null;
    for (const T of tokens) {
      const x = randomInput(T * L.d, 1000 + T);
      ours.setInput(x, T);
      ours.forward(1);
      const ref = ours.output();
      const impls = [['moe-tutor', ours]];
      if (scalar) impls.push(['moe-tutor-scalar', scalar]);
      if (tfm) impls.push(['tfjs-wasm', tfm]);
      if (ortm) impls.push(['onnxruntime-web', ortm]);
      for (const [name, impl] of impls) {
        impl.setInput(x, T);
        if (impl !== ours) {
          await impl.forward(1);
          const err = maxRelErr(await impl.output(), ref);
          checks.push({ env, impl: name, layer, tokens: T, max_rel_err: err, ok: err <= tol });
          if (!(err <= tol)) {
            log(`${env} ${name} ${layer} T=${T}: output differs from moe-tutor, max error ${err} (relative to max |y|): not timed`);
            continue;
          }
        }
        if (impl === ours) {
          // Each sample is followed by the best peak loop for about as long, and "% of peak" is
          // the median of sample / adjacent peak: a vCPU's speed here drifts by ~15% over seconds.
          const [once] = await tRuns((reps) => ours.forward(reps), { runs: 1 });  // also warms up
          const k = Math.max(1, Math.round(once / peakBest.secs));
          const peakLoop = (reps) => {
            for (let r = 0; r < reps * k; ++r) mods.simd._bench_peak(peakBest.chains, peakBest.iters, 0.9999, 0.0001);
          };
          const [secs, peakSecs] = await timeInterleaved([(reps) => ours.forward(reps), peakLoop], { ...timing, warm: 0 });
          const gf = secs.map((s) => (T * flopsPerToken(L)) / s / 1e9);
          const pct = median(gf.map((g, i) => (100 * g * peakSecs[i]) / ((k * peakBest.work) / 1e9)));
          push(name, layer, T, secs, { pct_of_peak: pct });
        } else {
          const secs = await tRuns((reps) => impl.forward(reps));
          push(name, layer, T, secs);
        }
      }
      if (mt) {
        mt.setInput(x, T);
        const setThreads = (n) => {
          if (mt.m._bench_set_threads(n) !== 0) throw new Error(mt.m.UTF8ToString(mt.m._bench_error()));
        };
        setThreads(threads);
        mt.forward(1);
        const err = maxRelErr(mt.output(), ref);
        checks.push({ env, impl: 'moe-tutor', threads, layer, tokens: T, max_rel_err: err, ok: err === 0 });
        const [one, many] = await timeInterleaved([
          (reps) => (setThreads(1), mt.forward(reps)),
          (reps) => (setThreads(threads), mt.forward(reps)),
        ], { ...timing });
        const oneTps = median(one.map((s) => T / s));
        push('moe-tutor', layer, T, many, { threads, one_thread_tokens_per_s: oneTps });
        log(`${env} moe-tutor ${layer} T=${T}: ${threads} threads ${(median(many.map((s) => T / s)) / oneTps).toFixed(2)}× the same build on 1 thread (${oneTps.toFixed(0)} tokens/s)`);
        setThreads(1);
      }
    }
    if (tfm) {
      for (const t of [tfm.wg, tfm.x, ...tfm.ex.flatMap((e) => [e.w1, e.w2, e.w3].filter(Boolean))]) t?.dispose();
    }
    await ortm?.session.release?.();
  }

  if (train) {
    const m = mods.simd;
    if (m._bench_train_create() !== 0) throw new Error(m.UTF8ToString(m._bench_error()));
    const chunk = 25; // steps per call: the page trains in chunks too
    const secs = await tRuns((reps) => {
      for (let r = 0; r < reps; ++r) m._bench_train_run(chunk);
    }, { minS: 0.2 });
    const sps = secs.map((s) => chunk / s);
    results.push({ env, impl: 'moe-tutor', layer: 'train', tokens: 256, threads: 1, steps_per_s: median(sps), min: Math.min(...sps), max: Math.max(...sps) });
    log(`${env} train: ${median(sps).toFixed(0)} steps/s (1000 steps in ${(1000 / median(sps)).toFixed(2)} s)`);
  }
  return { results, checks };
}
