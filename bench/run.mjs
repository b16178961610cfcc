// `npm run bench`: builds what it needs, then in one run measures native, wasm in Node and wasm in
// headless Chromium (our engine, our scalar wasm build, tfjs-backend-wasm, onnxruntime-web, the
// SIMD peak), prints a table and writes the same as JSON (path printed at the end).
//
//   node bench/run.mjs [--quick] [--envs native,node,chromium,page] [--out FILE] [--no-build]
//                      [--runs N] [--no-peers] [--no-scalar] [--cases ref:1,64,512;tutor:1]
//                      [--native-dir build/native] [--wasm-dir build/wasm] [--scalar-dir build/wasm-scalar]
//   node bench/run.mjs --baseline <git-ref> [...]   this checkout against another commit, interleaved,
//                      ratio per row (bench/ab.mjs)
//   page     the production page as `npm start` serves it (built in --dist-dir, default dist):
//            first lesson's compressed transfer, time to interactive, longest main-thread task
//            during a training run; first contentful paint, largest contentful paint and first
//            engine number of 5 cold loads of the map and three lessons (page-paint.mjs); Lighthouse
//            scores of the same pages (lighthouse.mjs; --no-lighthouse skips them). Not part of --quick
//   lm       (with chromium / native; --no-lm skips) the shipped language model (--lm-model, default
//            web/public/models/moe-lm): in Chromium, prefill (T = its context) and greedy generation
//            tokens/s, ours vs onnxruntime-web on the same checkpoint exported to ONNX (lm-onnx.mjs),
//            1 thread and --threads threads, logits checked equal first; training tokens/s in
//            Chromium (moe_bench) and natively (`moe lm train` on the shipped recipe for a few steps,
//            corpus --lm-corpus, default build/lm-corpus); PyTorch CPU training on the same model
//            and text (bench/lm_torch.py; --no-torch skips; installs python3-torch and
//            libopenblas0-pthread with apt-get when missing and running as root)
//   --quick  the smoke run: the tiny layer at T = 1 and 5, one short sample each (npm test runs
//            it with --no-build on the folders scripts/setup.sh builds; the scalar build is used
//            when present)
//
// Build folders (only their moe_bench target is built here): the native and wasm builds of
// scripts/setup.sh, and build/wasm-scalar (-DMOE_SCALAR=ON: no -msimd128, scalar kernels).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAYERS, flopsPerToken, median, runSuite } from './suite.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
// --baseline <git-ref>: the regression check against another commit instead of the full table.
if (argv.includes('--baseline')) {
  const { runAB } = await import('./ab.mjs');
  process.exit(await runAB(argv).catch((e) => (console.error(`error: ${e.message}`), 2)));
}
const quick = flag('--quick');
const envs = option('--envs', quick ? 'native,node,chromium' : 'native,node,chromium,page').split(',');
const peers = !flag('--no-peers');
const nativeDir = option('--native-dir', 'build/native');
const wasmDir = option('--wasm-dir', 'build/wasm');
const scalarDir = option('--scalar-dir', 'build/wasm-scalar');
// Threads: our engine is also timed with this many threads (interleaved with 1 thread): natively,
// and in Chromium with the -pthread build (--mt-dir, -DMOE_THREADS=ON) on a cross-origin isolated page.
const threads = Number(option('--threads', 2));
const mtDir = option('--mt-dir', 'build/wasm-mt');
const noBuild = flag('--no-build');
const withScalar = !flag('--no-scalar') && (!noBuild || existsSync(`${scalarDir}/moe_bench.mjs`));
const runs = Number(option('--runs', quick ? 1 : 7));
const timing = quick ? { runs, minS: 0.005, warm: 0.02 } : { runs, minS: 0.1, warm: 0.5 };
const withLm = !flag('--no-lm');
const lmOnly = flag('--lm-only'); // only the language model's rows
const lmModel = option('--lm-model', 'web/public/models/moe-lm');
const lmCorpus = option('--lm-corpus', 'build/lm-corpus');
const lmRecipe = option('--lm-recipe', 'engine/examples/lm-train-moe.json');
const casesOpt = option('--cases', null); // e.g. "ref:1,512;tutor:64"
const cases = casesOpt
  ? casesOpt.split(';').map((c) => ({ layer: c.split(':')[0], tokens: c.split(':')[1].split(',').map(Number) }))
  : quick
  ? [{ layer: 'tiny', tokens: [1, 5] }]
  : [
      { layer: 'ref', tokens: [1, 64, 512] },
      { layer: 'ref-swiglu', tokens: [1, 512] },
      { layer: 'tutor', tokens: [1, 64] },
    ];
const log = (s) => console.log(s);

// ---- build ---------------------------------------------------------------------------------------
function sh(cmd, args, extraEnv = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_PATH: '/usr/share/nodejs', ...extraEnv } });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${out.slice(-4000)}`))));
  });
}
async function build(dir, { wasm, scalar = false, mt = false }) {
  if (!existsSync(`${dir}/CMakeCache.txt`)) {
    const conf = ['-S', '.', '-B', dir, '-DCMAKE_BUILD_TYPE=Release', ...(scalar ? ['-DMOE_SCALAR=ON'] : []), ...(mt ? ['-DMOE_THREADS=ON'] : [])];
    await (wasm ? sh('emcmake', ['cmake', ...conf]) : sh('cmake', conf));
  }
  await sh('cmake', ['--build', dir, '-j2', '--target', 'moe_bench', ...(wasm || !withLm ? [] : ['moe'])]);
}
if (!noBuild) {
  log(`bench: building moe_bench in ${nativeDir}, ${wasmDir}, ${scalarDir}`);
  if (envs.includes('native')) await build(nativeDir, { wasm: false });
  if (envs.some((e) => e !== 'native' && e !== 'page')) {
    await build(wasmDir, { wasm: true });
    if (withScalar) await build(scalarDir, { wasm: true, scalar: true });
    if (threads > 1 && envs.includes('chromium')) await build(mtDir, { wasm: true, mt: true });
  }
}

// ---- machine ---------------------------------------------------------------------------------------
const version = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).split('\n')[0].trim();
  } catch {
    return null;
  }
};
const machine = {
  cpu: os.cpus()[0]?.model,
  cores: os.cpus().length,
  loadavg_start: os.loadavg(),
  node: process.version,
  chromium: envs.includes('chromium') || envs.includes('page') ? version('/usr/bin/chromium', ['--version']) : null,
  emscripten: version('emcc', ['--version']),
  compiler: version('c++', ['--version']),
  date: new Date().toISOString(),
  quick,
};
const results = [];
const checks = [];

// ---- native ----------------------------------------------------------------------------------------
if (envs.includes('native')) {
  // --lm-only: one tiny case, for the peak that the LM training row divides by
  const spec = (lmOnly ? [{ layer: 'tiny', tokens: [1] }] : cases)
    .flatMap(({ layer, tokens }) => tokens.map((T) => {
      const L = LAYERS[layer];
      return `${L.d},${L.f},${L.E},${L.k},${L.swiglu},${T},${layer}`;
    }))
    .join(';');
  const out = await sh(`${nativeDir}/moe_bench`, [spec, String(runs), String(timing.minS), String(threads)]);
  let peak = null;
  let widePeak = null;
  for (const line of out.split('\n').filter((l) => l.startsWith('{'))) {
    const r = JSON.parse(line);
    if (r.kind === 'peak') {
      const gf = r.seconds.map((s) => r.work / s / 1e9);
      if (!peak || median(gf) > peak.gflops) peak = { env: 'native', impl: 'peak', layer: null, tokens: null, threads: 1, gflops: median(gf), min: Math.min(...gf), max: Math.max(...gf), chains: Number(r.layer.match(/\d+/)[0]), vex: r.layer.endsWith('-vex') };
    } else if (r.kind === 'peak_wide') {
      // the CPU's widest vectors with FMA (AVX-512 or AVX2), which the engine does not use yet
      const gf = r.seconds.map((s) => r.work / s / 1e9);
      if (!widePeak || median(gf) > widePeak.gflops) widePeak = { env: 'native', impl: 'peak-wide', layer: null, tokens: null, threads: 1, gflops: median(gf), min: Math.min(...gf), max: Math.max(...gf), isa: r.layer };
    } else if (r.kind === 'layer' && !lmOnly) {
      const tps = r.seconds.map((s) => r.tokens / s);
      const gf = tps.map((v) => (v * flopsPerToken(LAYERS[r.layer])) / 1e9);
      // % of the peak loop timed right after each sample (moe_bench.cpp), median over samples
      const pct = r.peak_seconds ? { pct_of_peak: median(gf.map((g, i) => (100 * g * r.peak_seconds[i]) / (r.peak_work / 1e9))) } : {};
      results.push({ env: 'native', impl: 'moe-tutor', layer: r.layer, tokens: r.tokens, threads: r.threads ?? 1, tokens_per_s: median(tps), gflops: median(gf), min: Math.min(...tps), max: Math.max(...tps), gflops_min: Math.min(...gf), gflops_max: Math.max(...gf), ...pct });
    } else if (r.kind === 'train' && !quick && !flag('--no-train') && !lmOnly) {
      const sps = r.seconds.map((s) => 1 / s);
      results.push({ env: 'native', impl: 'moe-tutor', layer: 'train', tokens: 256, threads: 1, steps_per_s: median(sps), min: Math.min(...sps), max: Math.max(...sps) });
    }
  }
  results.unshift(peak);
  if (widePeak) results.splice(1, 0, widePeak);
  log(`native: peak ${peak.gflops.toFixed(2)} GFLOP/s; ${results.filter((r) => r.env === 'native').length - 1} rows`);
}

// ---- Node ------------------------------------------------------------------------------------------
async function loadNodeModule(dir) {
  const g = globalThis;
  const abs = path.join(root, dir);
  g.__dirname = abs; // Emscripten 3.1.6's ES module reads __dirname / require under Node
  g.require = createRequire(path.join(abs, 'moe_bench.mjs'));
  const { default: create } = await import(path.join(abs, 'moe_bench.mjs') + `?${dir}`);
  return create({ wasmBinary: readFileSync(path.join(abs, 'moe_bench.wasm')) });
}
if (envs.includes('node') && !lmOnly) {
  const mods = {
    simd: await loadNodeModule(wasmDir),
    scalar: withScalar ? await loadNodeModule(scalarDir) : null,
  };
  let tf = null;
  let ort = null;
  if (peers) {
    const require = createRequire(import.meta.url);
    tf = require('@tensorflow/tfjs-core');
    const tfwasm = require('@tensorflow/tfjs-backend-wasm');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    tfwasm.setWasmPaths(path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
    await tf.setBackend('wasm');
    await tf.ready();
    ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
  }
  const out = await runSuite({ env: 'node', mods, tf, ort, cases, train: !quick && !flag('--no-train'), timing, log });
  results.push(...out.results);
  checks.push(...out.checks);
}

// ---- language model: inputs, native training, PyTorch ------------------------------------------------
let lmInputs = null;
if (withLm && (envs.includes('native') || envs.includes('chromium'))) {
  const lm = await import('./lm-run.mjs');
  lmInputs = lm.prepareLmInputs({ nativeDir, modelDir: lmModel, corpusDir: lmCorpus, recipePath: lmRecipe, train: !quick && !flag('--no-train'), log });
  if (envs.includes('native') && !quick && !flag('--no-train')) {
    const nativePeak = results.find((r) => r.env === 'native' && r.impl === 'peak')?.gflops;
    const widePeak = results.find((r) => r.env === 'native' && r.impl === 'peak-wide');
    const native = lm.nativeLmTrain({ nativeDir, inputs: lmInputs, peakGflops: nativePeak, widePeak, log });
    results.push(...native.rows);
    if (!flag('--no-torch')) results.push(...lm.torchLmTrain({ inputs: lmInputs, initDir: native.outDir, nativeRows: native.rows, log }));
  }
}

// ---- Chromium --------------------------------------------------------------------------------------
if (envs.includes('chromium')) {
  const { chromium } = await import('playwright-core');
  const { launchOptions } = await import('../scripts/lib/chromium.mjs');
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
  const allowed = ['bench/', `${lmModel}/`, `${wasmDir}/`, `${scalarDir}/`, `${mtDir}/`, 'node_modules/@tensorflow/', 'node_modules/onnxruntime-web/'];
  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
    if (rel === 'favicon.ico') return res.writeHead(204).end();
    if (rel.includes('..') || !allowed.some((a) => rel.startsWith(a))) return res.writeHead(404).end();
    try {
      const body = readFileSync(path.join(root, rel));
      // COOP/COEP: the page is cross-origin isolated, so the threaded build gets SharedArrayBuffer.
      res.writeHead(200, {
        'Content-Type': types[path.extname(rel)] || 'application/octet-stream',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const withMt = threads > 1 && existsSync(`${mtDir}/moe_bench.mjs`);
  if (threads > 1 && !withMt) log(`chromium: no ${mtDir}/moe_bench.mjs, so no ${threads}-thread rows`);
  const base = { simdDir: wasmDir, scalarDir: withScalar ? scalarDir : null, mtDir: withMt ? mtDir : null, threads, peers, timing };
  const browser = await chromium.launch(launchOptions);
  // Opens the bench page with `params` in a fresh page and returns its {results, checks}.
  const runPage = async (params) => {
    const url = `http://127.0.0.1:${server.address().port}/bench/bench.html#${encodeURIComponent(JSON.stringify(params))}`;
    const page = await browser.newPage();
    page.on('pageerror', (err) => log(`chromium page error: ${err.message}`));
    page.on('console', (m) => m.type() === 'error' && log(`chromium console: ${m.text()}`));
    try {
      await page.goto(url);
      let shown = 0;
      for (;;) {
        const state = await page.evaluate(() => ({ done: window.bench?.done, lines: window.bench?.lines ?? [] }));
        for (; shown < state.lines.length; ++shown) log(state.lines[shown]);
        if (state.done) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const b = await page.evaluate(() => window.bench);
      if (b.error) throw new Error(`chromium: ${b.error}`);
      return b.output;
    } finally {
      await page.close();
    }
  };
  try {
    if (!lmOnly) {
      const out = await runPage({ ...base, cases, train: !quick && !flag('--no-train') });
      results.push(...out.results);
      checks.push(...out.checks);
    }
    // The language model: one page per thread count (onnxruntime-web fixes its threads per page);
    // the smoke run (--quick) checks and times the 1-thread page only.
    if (withLm) {
      for (const t of withMt && !quick ? [1, threads] : [1]) {
        const train = quick || flag('--no-train') ? null : { tokens: lmInputs.trainTokens, recipe: lmInputs.recipe };
        const out = await runPage({ ...base, lm: { threads: t, modelDir: lmModel, ids: lmInputs.ids, gen: lmInputs.gen, train } });
        results.push(...out.results);
        checks.push(...out.checks);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
}

// ---- page (the production build as `npm start` serves it) -----------------------------------------------
if (envs.includes('page')) {
  const distDir = option('--dist-dir', 'dist');
  if (!existsSync(path.join(distDir, 'index.html'))) throw new Error(`--dist-dir: no production build in ${distDir} (run npm run build)`);
  const { chromium } = await import('playwright-core');
  const { launchOptions } = await import('../scripts/lib/chromium.mjs');
  const measure = await import('../scripts/lib/page-measure.mjs');
  const served = await measure.startServe(distDir);
  const browser = await chromium.launch(launchOptions);
  try {
    await measure.measureFirstLesson(browser, served.url); // warm-up: V8 and the OS file cache, not timed
    const loads = [];
    for (let i = 0; i < runs; ++i) loads.push(await measure.measureFirstLesson(browser, served.url));
    const trainings = [];
    for (let i = 0; i < Math.min(runs, 3); ++i) trainings.push(await measure.measureTrainingLongTasks(browser, served.url));
    // Cold loads of the map and three lessons (issue #21): medians of `paintRuns` each, interleaved.
    const paint = await import('./page-paint.mjs');
    const paintRuns = quick ? 1 : 5;
    const paints = Object.fromEntries(paint.PAINT_PAGES.map((p) => [p.name, []]));
    for (let i = 0; i < paintRuns; ++i) for (const p of paint.PAINT_PAGES) paints[p.name].push(await paint.measurePaint(browser, served.url, p));
    for (const p of paint.PAINT_PAGES) {
      const of = (key) => (paints[p.name][0][key] == null ? null : median(paints[p.name].map((m) => m[key])));
      results.push({ env: 'chromium', impl: 'moe-tutor', layer: 'paint', page: p.name, runs: paintRuns, fcp_ms: of('fcp_ms'), lcp_ms: of('lcp_ms'), engine_number_ms: of('engine_number_ms'), samples: paints[p.name] });
    }
    const ms = loads.map((l) => l.interactive_ms);
    const last = loads.at(-1);
    results.push({
      env: 'chromium', impl: 'moe-tutor', layer: 'page', tokens: null, threads: 1,
      lesson: measure.FIRST_LESSON, transfer_bytes: last.transfer_bytes, transfer_by_kind: last.by_kind,
      transfer_files: last.files.map((f) => ({ path: new URL(f.url).pathname, kind: f.kind, bytes: f.bytes })),
      interactive_ms: median(ms), min: Math.min(...ms), max: Math.max(...ms),
      training_lesson: measure.TRAINING_LESSON,
      longest_task_ms_during_training: Math.max(...trainings.map((t) => t.longest_task_ms)),
      long_tasks_during_training: trainings.reduce((a, t) => a + t.long_tasks, 0),
      longest_task_cpu_ms_during_training: Math.max(...trainings.map((t) => t.longest_task_cpu_ms)),
      training_runs: trainings.length, training_run_ms: median(trainings.map((t) => t.run_ms)),
    });
    log(`page: ${(last.transfer_bytes / 1000).toFixed(1)} kB transferred, interactive in ${median(ms).toFixed(0)} ms (median of ${runs})`);
    // Lighthouse 12 on the same pages, through a Chromium it can reach by its debugging port.
    if (!flag('--no-lighthouse')) {
      const { auditPages, launchForLighthouse } = await import('./lighthouse.mjs');
      const port = 9300 + Math.floor(Math.random() * 500);
      const lhBrowser = await launchForLighthouse(port);
      try {
        for (const r of await auditPages(served.url, port)) results.push({ env: 'chromium', impl: 'lighthouse-12', layer: 'lighthouse', ...r });
      } finally {
        await lhBrowser.close();
      }
    }
  } finally {
    await browser.close();
    served.stop();
  }
}

// ---- table and JSON --------------------------------------------------------------------------------
machine.loadavg_end = os.loadavg();
const fmt = (v, d = 0) => (v == null ? '' : Number(v).toFixed(d));
const peakOf = (env) => results.find((r) => r.env === env && r.impl === 'peak')?.gflops;
const find = (env, impl, layer, T) => results.find((r) => r.env === env && r.impl === impl && r.layer === layer && r.tokens === T && (r.threads ?? 1) === 1);
const lines = [];
lines.push('| env | impl | layer | T | tokens/s (median, min–max) | GFLOP/s | % of peak | ×tfjs-wasm | ×ort-web | ×1 thread |');
lines.push('|---|---|---|---:|---|---:|---:|---:|---:|---:|');
for (const r of results) {
  if (r.layer === 'paint') {
    const engine = r.engine_number_ms == null ? 'no engine number on this page' : `first engine number ${fmt(r.engine_number_ms)} ms`;
    lines.push(`| ${r.env} | ${r.impl} | cold load: ${r.page} | | FCP ${fmt(r.fcp_ms)} ms, LCP ${fmt(r.lcp_ms)} ms, ${engine} (medians of ${r.runs}) | | | | |`);
  } else if (r.layer === 'lighthouse') {
    lines.push(`| ${r.env} | ${r.impl} | ${r.page} | | performance ${r.scores.performance}, accessibility ${r.scores.accessibility}, best practices ${r.scores['best-practices']} | | | | |`);
  } else if (r.layer === 'page') {
    const kb = (b) => (b / 1000).toFixed(1);
    const kinds = Object.entries(r.transfer_by_kind).map(([k, b]) => `${k} ${kb(b)}`).join(', ');
    lines.push(`| ${r.env} | ${r.impl} | page: ${r.lesson} transfers ${kb(r.transfer_bytes)} kB (${kinds}) | | interactive ${fmt(r.interactive_ms)} ms (${fmt(r.min)}–${fmt(r.max)}) | | | | |`);
    lines.push(`| ${r.env} | ${r.impl} | page: ${r.training_lesson}, ${r.training_runs} training runs (${fmt(r.training_run_ms)} ms each) | | longest main-thread task ${r.long_tasks_during_training ? `${fmt(r.longest_task_ms_during_training)} ms (${r.long_tasks_during_training} over 50 ms)` : 'under 50 ms (none reported)'}; most CPU in one task ${fmt(r.longest_task_cpu_ms_during_training, 1)} ms | | | | |`);
  } else if (r.impl === 'peak') {
    const where = r.layer === 'lm' ? ', LM page' : '';
    lines.push(`| ${r.env} | peak (${r.chains} chains${r.vex ? ', VEX' : ''}${where}) | | | | ${fmt(r.gflops, 1)} (${fmt(r.min, 1)}–${fmt(r.max, 1)}) | 100 | | |`);
  } else if (r.impl === 'peak-wide') {
    lines.push(`| ${r.env} | widest-SIMD peak (${r.isa}; not the % of peak column) | | | | ${fmt(r.gflops, 1)} (${fmt(r.min, 1)}–${fmt(r.max, 1)}) | | | |`);
  } else if (r.layer?.startsWith('lm-')) {
    // The language model: ×ort-web against onnxruntime-web on the same page and thread count.
    const impl = `${r.impl}${r.threads > 1 ? `, ${r.threads} threads` : ''}`;
    const graphs = r.decode_graph ? `; ${r.decode_graph} decode graph${r.other_graphs?.length ? ` (${r.other_graphs.map((o) => `${o.decode_graph}: ${fmt(o.tokens_per_s)} tokens/s`).join(', ')})` : ''}` : '';
    const what = r.layer === 'lm-prefill' ? `LM prefill${r.load_ns ? ` (4 MiB load latency ${fmt(r.load_ns, 1)} ns)` : ''}` : r.layer === 'lm-generate' ? `LM generate (after ${r.prompt})${graphs}` : `LM train (${r.steps ? `${r.steps} steps` : 'steps'} of ${r.tokens} tokens)`;
    if (r.skipped) {
      lines.push(`| ${r.env} | ${impl} | ${what} | | skipped: ${r.skipped} | | | | | |`);
      continue;
    }
    const orr = results.find((o) => o.env === r.env && o.impl === 'onnxruntime-web' && o.layer === r.layer && o.threads === r.threads);
    // Native training: % of peak against one core's peaks per thread (peak_cores), so 2 threads
    // divide by twice the 1-thread peak.
    const cores = r.peak_cores > 1 ? ` (${r.peak_cores} cores)` : '';
    const vsTorch = (r.native_over_pytorch ? `; moe-tutor (${r.threads} thread${r.threads > 1 ? 's' : ''}) ÷ this: ${fmt(r.native_over_pytorch, 2)}×` : '') + (r.pct_of_wide_peak != null ? `; ${fmt(r.pct_of_wide_peak, 1)}% of the widest-SIMD peak${cores}${r.simd ? `, products at ${r.simd}` : ''}` : '');
    lines.push(`| ${r.env} | ${impl} | ${what}${vsTorch} | ${r.tokens} | ${fmt(r.tokens_per_s)} (${fmt(r.min)}–${fmt(r.max)}) | ${fmt(r.gflops, 2)} | ${fmt(r.pct_of_peak, 1)} | | ${orr && orr !== r ? fmt(r.tokens_per_s / orr.tokens_per_s, 2) : ''} | |`);
  } else if (r.layer === 'train') {
    lines.push(`| ${r.env} | ${r.impl} | train (1000 Adam steps: ${fmt(1000 / r.steps_per_s, 2)} s) | 256 | ${fmt(r.steps_per_s)} steps/s (${fmt(r.min)}–${fmt(r.max)}) | | | | |`);
  } else {
    const p = peakOf(r.env);
    const tfr = find(r.env, 'tfjs-wasm', r.layer, r.tokens);
    const orr = find(r.env, 'onnxruntime-web', r.layer, r.tokens);
    const ratio = (peer) => (peer && r.impl !== peer.impl ? fmt(r.tokens_per_s / peer.tokens_per_s, 2) : '');
    // Threaded rows: against our own 1-thread time, measured interleaved with them.
    const one = r.threads > 1 ? r.one_thread_tokens_per_s ?? results.find((o) => o.env === r.env && o.impl === r.impl && o.layer === r.layer && o.tokens === r.tokens && o.threads === 1)?.tokens_per_s : null;
    const impl = r.threads > 1 ? `${r.impl}, ${r.threads} threads` : r.impl;
    lines.push(`| ${r.env} | ${impl} | ${r.layer} | ${r.tokens} | ${fmt(r.tokens_per_s)} (${fmt(r.min)}–${fmt(r.max)}) | ${fmt(r.gflops, 2)} | ${r.pct_of_peak != null ? fmt(r.pct_of_peak, 1) : p ? fmt((100 * r.gflops) / p, 1) : ''} | ${ratio(tfr)} | ${ratio(orr)} | ${one ? fmt(r.tokens_per_s / one, 2) : ''} |`);
  }
}
// The best ratio to each peer this run allows at each layer's largest T: our layer at 100% of the
// peak measured in the same environment. A ratio goal above this cannot be met on one thread of this machine.
const ceilings = [];
for (const peak of results.filter((r) => r.impl === 'peak' && r.layer !== 'lm')) {
  const ours = results.filter((o) => o.env === peak.env && o.impl === 'moe-tutor' && (o.threads ?? 1) === 1 && LAYERS[o.layer]);
  const largest = (r) => r.tokens === Math.max(...ours.filter((o) => o.layer === r.layer).map((o) => o.tokens));
  for (const r of ours.filter(largest)) {
    const peers = ['tfjs-wasm', 'onnxruntime-web'].map((impl) => find(r.env, impl, r.layer, r.tokens)).filter(Boolean);
    if (!peers.length) continue;
    const atPeak = (peak.gflops * 1e9) / flopsPerToken(LAYERS[r.layer]); // tokens/s
    const vs = peers.map((p) => `${fmt(atPeak / p.tokens_per_s, 2)}× ${p.impl}`).join(', ');
    ceilings.push(`- ${r.env} ${r.layer} T=${r.tokens}: at 100% of peak ${fmt(atPeak)} tokens/s = ${vs}`);
  }
}
if (ceilings.length) lines.push('', 'Ceiling (one thread at 100% of this run\'s peak):', ...ceilings);
const table = lines.join('\n');
console.log(`\nmachine: ${machine.cpu}, ${machine.cores} cores, load average ${machine.loadavg_start.map((v) => v.toFixed(2)).join(' ')} (start) / ${machine.loadavg_end.map((v) => v.toFixed(2)).join(' ')} (end); node ${machine.node}; ${machine.chromium ?? ''}`);
console.log(table);
const bad = checks.filter((c) => !c.ok);
console.log(`\ncorrectness: ${checks.length - bad.length}/${checks.length} peer outputs equal to moe-tutor within tolerance` + (bad.length ? `; differing: ${bad.map((c) => `${c.env}/${c.impl}/${c.layer}/T${c.tokens} (${c.max_abs_err ?? c.max_rel_err}${c.same_tokens === false ? ', greedy tokens differ' : ''})`).join(', ')}` : ''));
const outFile = option('--out', path.join('build/bench', `bench-${quick ? 'quick' : 'full'}-${machine.date.replace(/[:.]/g, '-')}.json`));
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify({ machine, results, checks, table }, null, 2) + '\n');
console.log(`bench: wrote ${path.resolve(outFile)}`);
process.exit(bad.length ? 1 : 0);
