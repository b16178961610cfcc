// The language model's rows (issue #19 "Benchmark"), in one JavaScript environment (the Chromium
// bench page): the shipped model in our engine (bench/moe_bench.cpp bench_lm_*: LmModel,
// KV cache, LmTrainer) and the same checkpoint exported to ONNX (lm-onnx.mjs) in onnxruntime-web.
// Before any timing, the peer's logits must equal ours (prefill over the full context, and every
// step of a greedy decode, whose tokens must be the same); a peer that differs is not timed.
//   prefill:   one forward over T = max_position_embeddings tokens, all T rows of logits
//   generate:  after a prompt of P tokens (not timed), N tokens one at a time with the KV cache,
//              each picked greedily from the last logits
//   train:     LmTrainer steps of the shipped recipe (batch × seq_len tokens each), ours only
// No Node or DOM APIs; the caller passes the loaded modules, the files and the token ids in.
import { causalMask, lmMatmulFlops, lmOnnxModel, lmShape, readSafetensors } from './lm-onnx.mjs';
import { loadProbe, maxRelErr, measurePeak, median, timeInterleaved, timeRuns } from './suite.mjs';

const now = () => performance.now() / 1000;

// ---- our engine through moe_bench's C API -------------------------------------------------------
class OursLm {
  constructor(mod, configText, safetensors) {
    this.m = mod;
    const cfg = this.copyIn(new TextEncoder().encode(configText + '\0'));
    const st = this.copyIn(safetensors);
    const rc = mod._bench_lm_load(cfg, st, safetensors.length);
    mod._bench_free(cfg);
    mod._bench_free(st);
    this.check(rc);
    this.V = JSON.parse(configText).vocab_size;
  }
  check(rc) {
    if (rc !== 0) throw new Error(`moe_bench: ${this.m.UTF8ToString(this.m._bench_error())}`);
  }
  u8() {
    return this.m.HEAPU8 ?? new Uint8Array(this.m.wasmMemory?.buffer ?? this.m.asm.memory.buffer);
  }
  copyIn(bytes) {
    const p = this.m._bench_alloc_bytes(bytes.length);
    this.u8().set(bytes, p);
    return p;
  }
  ids(ids) {
    return this.copyIn(new Uint8Array(Int32Array.from(ids).buffer));
  }
  logits(rows) {
    const p = this.m._bench_lm_logits();
    return new Float32Array(this.u8().buffer, p, rows * this.V).slice();
  }
  prefill(idsPtr, T, reps = 1) {
    this.check(this.m._bench_lm_forward(idsPtr, T, reps));
  }
  // prompt, then n greedy tokens one call each; returns the ids and each step's logits
  generate(promptPtr, P, n) {
    this.check(this.m._bench_lm_prefill_cached(promptPtr, P, P + n));
    const out = this.m._bench_alloc_bytes(4 * n);
    const steps = [];
    for (let i = 0; i < n; ++i) {
      this.check(this.m._bench_lm_decode(1, out + 4 * i));
      steps.push(this.logits(1));
    }
    const ids = Array.from(new Int32Array(this.u8().buffer, out, n));
    this.m._bench_free(out);
    return { ids, steps };
  }
}

// ---- onnxruntime-web: the prefill and decode graphs of lm-onnx.mjs -----------------------------
class OrtLm {
  static async create(ort, config, tensors) {
    const o = new OrtLm();
    o.ort = ort;
    o.s = lmShape(config);
    const opts = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
    o.prefillSession = await ort.InferenceSession.create(lmOnnxModel(config, tensors, { decode: false }), opts);
    // Two decode graphs: the sparse MoE block of the prefill graph, and every expert on the one
    // new row (fewer nodes to dispatch per step). Both are checked; the generate row reports the
    // faster.
    o.decodeSessions = {
      'sparse experts': await ort.InferenceSession.create(lmOnnxModel(config, tensors, { decode: true }), opts),
      'dense experts': await ort.InferenceSession.create(lmOnnxModel(config, tensors, { decode: true, denseExperts: true }), opts),
    };
    return o;
  }
  feeds(ids, pos0) {
    const T = ids.length;
    const t = (type, data, dims) => new this.ort.Tensor(type, data, dims);
    return {
      input_ids: t('int64', BigInt64Array.from(ids, (v) => BigInt(v)), [T]),
      position_ids: t('int64', BigInt64Array.from({ length: T }, (_, i) => BigInt(pos0 + i)), [T]),
    };
  }
  prefillFeeds(ids) {
    const T = ids.length;
    return { ...this.feeds(ids, 0), attn_mask: new this.ort.Tensor('float32', causalMask(T), [T, T]) };
  }
  async prefill(feeds) {
    return this.prefillSession.run(feeds);
  }
  // prompt, then n greedy tokens (argmax of the last logits, ties to the lower id, like ours)
  // with the decode graph `graph`
  async generate(prompt, n, graph, keep = false) {
    let r = await this.prefillSession.run(this.prefillFeeds(prompt));
    const V = this.s.V;
    const ids = [];
    const steps = [];
    let last = r.logits.data.subarray((prompt.length - 1) * V);
    for (let i = 0; i < n; ++i) {
      let best = 0;
      for (let v = 1; v < V; ++v) if (last[v] > last[best]) best = v;
      ids.push(best);
      const feeds = this.feeds([best], prompt.length + i);
      for (let l = 0; l < this.s.L; ++l) {
        feeds[`past_k_${l}`] = r[`present_k_${l}`];
        feeds[`past_v_${l}`] = r[`present_v_${l}`];
      }
      r = await this.decodeSessions[graph].run(feeds);
      last = r.logits.data;
      if (keep) steps.push(last.slice());
    }
    return { ids, steps };
  }
}

function maxAbsErr(a, ref) {
  if (a.length !== ref.length) return Infinity;
  let err = 0;
  for (let i = 0; i < ref.length; ++i) err = Math.max(err, Math.abs(a[i] - ref[i]));
  return err;
}

/**
 * Runs the LM rows and returns {results, checks} (bench/run.mjs's row schema, layer "lm-prefill",
 * "lm-generate", "lm-train"). mod: moe_bench (the -pthread build when threads > 1); ort may be
 * null. files: {configText, safetensors (Uint8Array)}; ids: the prefill tokens (T of them);
 * gen: {prompt, n}; train: null or {tokens, recipe}. tol: max |logit difference| allowed.
 */
export async function runLmSuite({ env, mod, ort, threads = 1, files, ids, gen, train = null, timing = {}, log = () => {}, tol = 1e-3 }) {
  const results = [];
  const checks = [];
  const tRuns = (body, t = {}) => timeRuns(body, { ...timing, ...t });
  const config = JSON.parse(files.configText);
  const s = lmShape(config);
  const T = ids.length;
  const ours = new OursLm(mod, files.configText, files.safetensors);
  if (threads > 1) ours.check(mod._bench_set_threads(threads));
  const peak = await measurePeak(mod, tRuns); // one thread's peak, as in the layer rows
  results.push({ env, impl: 'peak', layer: 'lm', tokens: null, threads: 1, gflops: peak.gflops, min: peak.min, max: peak.max, chains: peak.chains });
  log(`${env} lm (${threads} thread${threads > 1 ? 's' : ''}) peak: ${peak.gflops.toFixed(2)} GFLOP/s`);
  const t0 = now();
  const peer = ort ? await OrtLm.create(ort, config, readSafetensors(files.safetensors)) : null;
  if (peer) log(`${env} lm: ONNX graphs built and loaded in ${(now() - t0).toFixed(1)} s`);

  // ---- checks: prefill logits, then every step of a greedy decode
  const idsPtr = ours.ids(ids);
  ours.prefill(idsPtr, T);
  const ref = ours.logits(T);
  const promptPtr = ours.ids(gen.prompt);
  const P = gen.prompt.length;
  const mine = ours.generate(promptPtr, P, gen.n);
  const myIds = mine.ids;
  let peerOk = false;
  let prefillFeeds = null;
  if (peer) {
    prefillFeeds = peer.prefillFeeds(ids);
    const r = await peer.prefill(prefillFeeds);
    const errPrefill = maxAbsErr(r.logits.data, ref);
    let decodeOk = true;
    for (const graph of Object.keys(peer.decodeSessions)) {
      const theirs = await peer.generate(gen.prompt, gen.n, graph, true);
      const errDecode = Math.max(...theirs.steps.map((l, i) => maxAbsErr(l, mine.steps[i])));
      const sameIds = theirs.ids.every((v, i) => v === myIds[i]);
      decodeOk &&= errDecode <= tol && sameIds;
      checks.push({ env, impl: 'onnxruntime-web', layer: 'lm-generate', graph, tokens: gen.n, threads, max_abs_err: errDecode, same_tokens: sameIds, ok: errDecode <= tol && sameIds });
      log(`${env} lm check, decode (${graph}): logits max |diff| ${errDecode.toExponential(2)} over ${gen.n} steps, greedy tokens ${sameIds ? 'equal' : 'DIFFER'}`);
    }
    peerOk = errPrefill <= tol && decodeOk;
    checks.push({ env, impl: 'onnxruntime-web', layer: 'lm-prefill', tokens: T, threads, max_abs_err: errPrefill, max_rel_err: maxRelErr(r.logits.data, ref), ok: errPrefill <= tol });
    log(`${env} lm check, prefill: logits max |diff| ${errPrefill.toExponential(2)}` + (peerOk ? '' : '; onnxruntime-web not timed'));
  }
  const tag = (impl) => ({ env, impl, threads, peak_gflops: peak.gflops });

  // ---- prefill: ours, the peak loop for about as long, and the peer, sample by sample in turn;
  // ours' % of peak is the median of sample ÷ the peak loop right after it (a vCPU's speed here
  // drifts over seconds, as in the layer rows); the peer's divides by the peak timed at the start
  const flops = lmMatmulFlops(s, T);
  const [once] = await tRuns((reps) => ours.prefill(idsPtr, T, reps), { runs: 1 }); // also warms up
  const k = Math.max(1, Math.round(once / peak.secs));
  const peakLoop = (reps) => {
    for (let r = 0; r < reps * k; ++r) mod._bench_peak(peak.chains, peak.iters, 0.9999, 0.0001);
  };
  const bodies = [(reps) => ours.prefill(idsPtr, T, reps), peakLoop];
  if (peerOk) bodies.push(async (reps) => {
    for (let r = 0; r < reps; ++r) await peer.prefill(prefillFeeds);
  });
  // One thread: the load-latency probe too, sample by sample with the others. When this machine's
  // memory is disturbed, the prefill and the peer slow but the peak loop does not, and the probe
  // shows it. (With more threads it shares the machine with the workers and says nothing.)
  const probe = threads === 1;
  if (probe) bodies.push((reps) => {
    for (let r = 0; r < reps; ++r) mod._bench_load_latency(loadProbe.kib, loadProbe.loads);
  });
  const times = await timeInterleaved(bodies, timing);
  const [oursSecs, peakSecs] = times;
  const peerSecs = peerOk ? times[2] : null;
  const loadNs = probe ? median(times.at(-1).map((x) => (x * 1e9) / loadProbe.loads)) : null;
  if (probe) log(`${env} lm: random loads over 4 MiB took ${loadNs.toFixed(1)} ns each, sampled with the prefill rows`);
  [['moe-tutor', oursSecs], ['onnxruntime-web', peerSecs]].filter(([, x]) => x).forEach(([impl, secs]) => {
    const tps = secs.map((x) => T / x);
    const gf = secs.map((x) => flops / x / 1e9);
    const pct = impl === 'moe-tutor' ? median(gf.map((g, i) => (100 * g * peakSecs[i]) / ((k * peak.work) / 1e9))) : (100 * median(gf)) / peak.gflops;
    results.push({ ...tag(impl), layer: 'lm-prefill', tokens: T, tokens_per_s: median(tps), min: Math.min(...tps), max: Math.max(...tps), gflops: median(gf), pct_of_peak: pct, load_ns: loadNs });
    log(`${env} ${impl} lm prefill T=${T}, ${threads} thread(s): ${median(tps).toFixed(0)} tokens/s, ${pct.toFixed(1)}% of peak`);
  });

  // ---- generation: each sample decodes N tokens after an untimed prompt, in turn
  const genOnce = [
    async () => {
      ours.check(mod._bench_lm_prefill_cached(promptPtr, P, P + gen.n));
      const out = mod._bench_alloc_bytes(4 * gen.n);
      const a = now();
      ours.check(mod._bench_lm_decode(gen.n, out));
      const dt = now() - a;
      mod._bench_free(out);
      return dt;
    },
  ];
  const graphs = peerOk ? Object.keys(peer.decodeSessions) : [];
  for (const graph of graphs) {
    genOnce.push(async () => {
      // the peer's own prefill is its prompt; time only the decode steps
      let r = await peer.prefill(peer.prefillFeeds(gen.prompt));
      const a = now();
      let last = r.logits.data.subarray((P - 1) * s.V);
      for (let i = 0; i < gen.n; ++i) {
        let best = 0;
        for (let v = 1; v < s.V; ++v) if (last[v] > last[best]) best = v;
        const feeds = peer.feeds([best], P + i);
        for (let l = 0; l < s.L; ++l) {
          feeds[`past_k_${l}`] = r[`present_k_${l}`];
          feeds[`past_v_${l}`] = r[`present_v_${l}`];
        }
        r = await peer.decodeSessions[graph].run(feeds);
        last = r.logits.data;
      }
      return now() - a;
    });
  }
  const warmUntil = now() + (timing.warm ?? 0.3);
  while (now() < warmUntil) for (const g of genOnce) await g();
  const genSecs = genOnce.map(() => []);
  for (let r = 0; r < (timing.runs ?? 7); ++r) {
    for (let i = 0; i < genOnce.length; ++i) {
      let spent = 0;
      let reps = 0;
      while (spent < (timing.minS ?? 0.05) || reps === 0) {
        spent += await genOnce[i]();
        ++reps;
      }
      genSecs[i].push(spent / reps);
    }
  }
  const genRows = genSecs.map((secs, i) => {
    const tps = secs.map((x) => gen.n / x);
    const gf = secs.map((x) => lmMatmulFlops(s, gen.n, P) / x / 1e9);
    const impl = i === 0 ? 'moe-tutor' : 'onnxruntime-web';
    const graph = i === 0 ? {} : { decode_graph: graphs[i - 1] };
    log(`${env} ${impl}${i ? ` (${graphs[i - 1]})` : ''} lm generate ${gen.n} after ${P}, ${threads} thread(s): ${median(tps).toFixed(0)} tokens/s`);
    return { ...tag(impl), layer: 'lm-generate', tokens: gen.n, prompt: P, ...graph, tokens_per_s: median(tps), min: Math.min(...tps), max: Math.max(...tps), gflops: median(gf), pct_of_peak: (100 * median(gf)) / peak.gflops };
  });
  results.push(genRows[0]);
  if (genRows.length > 1) {
    // the peer's faster decode graph is its row; the other's tokens/s goes with it
    const peers = genRows.slice(1).sort((a, b) => b.tokens_per_s - a.tokens_per_s);
    results.push({ ...peers[0], other_graphs: peers.slice(1).map((r) => ({ decode_graph: r.decode_graph, tokens_per_s: r.tokens_per_s })) });
  }
  mod._bench_free(idsPtr);
  mod._bench_free(promptPtr);

  // ---- training: the recipe's steps, ours only (onnxruntime-web's wasm build does not train)
  if (train) {
    const r = train.recipe;
    const tok = ours.ids(train.tokens);
    const cfg = ours.copyIn(new TextEncoder().encode(files.configText + '\0'));
    ours.check(mod._bench_lm_train_create(cfg, tok, train.tokens.length, r.batch, r.seq_len, r.steps, r.warmup, r.lr, r.min_lr, r.balancing?.switch_aux ?? 0, r.balancing?.z_loss ?? 0, r.seed));
    mod._bench_free(cfg);
    mod._bench_free(tok);
    const perStep = r.batch * r.seq_len;
    const secs = await tRuns((reps) => {
      for (let i = 0; i < reps; ++i) mod._bench_lm_train_run(1);
    }, { minS: 0.5, warm: Math.max(timing.warm ?? 0.3, 1) });
    const tps = secs.map((x) => perStep / x);
    // forward + backward ≈ 3 × the forward's matmul flops (the usual count)
    const gf = secs.map((x) => (3 * r.batch * lmMatmulFlops(s, r.seq_len)) / x / 1e9);
    results.push({ ...tag('moe-tutor'), layer: 'lm-train', tokens: perStep, tokens_per_s: median(tps), min: Math.min(...tps), max: Math.max(...tps), gflops: median(gf), pct_of_peak: (100 * median(gf)) / peak.gflops });
    log(`${env} moe-tutor lm train (batch ${r.batch} × ${r.seq_len}), ${threads} thread(s): ${median(tps).toFixed(0)} tokens/s`);
  }
  if (threads > 1) mod._bench_set_threads(1);
  await peer?.prefillSession.release?.();
  for (const session of Object.values(peer?.decodeSessions ?? {})) await session.release?.();
  return { results, checks };
}
