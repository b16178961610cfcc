// `npm run bench -- --baseline <git-ref>`: the regression check of issue #18 ("does not regress by
// more than 3% on any row, measured in the same run against the previous commit"). Times our engine
// as built from this checkout (the candidate) and from <git-ref> (the baseline) in one run,
// interleaved, and reports for every row the ratio candidate ÷ baseline of tokens/s (steps/s for
// training) with the spread of the per-sample ratios. A row regresses when its median ratio is
// below 1 − tolerance; the command then exits 1.
//
//   node bench/run.mjs --baseline <git-ref> [--envs native,node] [--rounds N] [--tolerance 0.03]
//        [--cases ref:1,512;tutor:1] [--no-build] [--native-dir build/native] [--wasm-dir build/wasm]
//        [--out FILE]
//
// The baseline's sources are exported with `git archive` into build/ab/<sha>/src (no worktree
// metadata is written to the repository) and only its moe_bench target is built, natively in
// build/ab/<sha>/native and as wasm in build/ab/<sha>/wasm; a later run reuses them. --no-build
// skips building the candidate only (its folders must hold moe_bench already).
//   native  per round and row the two moe_bench binaries run back to back, one calibrated sample
//           each, the order swapped every time; each call also times the SIMD peak loop (its ratio
//           should be 1: it shows the noise floor) and the training row.
//   node    both wasm modules in one process; per row, outputs checked equal first, then samples
//           alternate candidate, baseline, candidate, ... (suite.mjs timeInterleaved), half of
//           the pairs starting with each.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { LAYERS, MoeBench, median, timeInterleaved } from './suite.mjs';

const DEFAULT_CASES = [
  { layer: 'ref', tokens: [1, 64, 512] },
  { layer: 'ref-swiglu', tokens: [1, 512] },
  { layer: 'tutor', tokens: [1, 64] },
];
const TRAIN_CHUNK = 25; // steps per call, as the page trains

function sh(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_PATH: '/usr/share/nodejs' } });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${out.slice(-4000)}`))));
  });
}

/** Configures `dir` from `src` once, then builds its moe_bench target. */
async function buildBench(src, dir, wasm) {
  if (!existsSync(`${dir}/CMakeCache.txt`)) {
    const conf = ['-S', src, '-B', dir, '-DCMAKE_BUILD_TYPE=Release'];
    await (wasm ? sh('emcmake', ['cmake', ...conf]) : sh('cmake', conf));
  }
  await sh('cmake', ['--build', dir, '-j2', '--target', 'moe_bench']);
}

/** The baseline's sources at `sha`, exported once into build/ab/<sha>/src. */
function exportSources(sha, dir) {
  if (existsSync(`${dir}/CMakeLists.txt`)) return;
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${sha} | tar -x -C "${dir}"`]);
}

async function loadNodeModule(dir, tag) {
  const abs = path.resolve(dir);
  globalThis.__dirname = abs; // Emscripten 3.1.6's ES module reads __dirname / require under Node
  globalThis.require = createRequire(path.join(abs, 'moe_bench.mjs'));
  const { default: create } = await import(`${path.join(abs, 'moe_bench.mjs')}?${tag}`);
  return create({ wasmBinary: readFileSync(path.join(abs, 'moe_bench.wasm')) });
}

/** The same input moe_bench.cpp feeds its layer: [T, d] values in [-1, 1) from one LCG. */
function benchInput(n) {
  const x = new Float32Array(n);
  let z = 12345n;
  for (let i = 0; i < n; ++i) {
    z = BigInt.asUintN(64, z * 6364136223846793005n + 1442695040888963407n);
    x[i] = (Number((z >> 40n) & 0xffffffn) / 16777216) * 2 - 1;
  }
  return x;
}

/**
 * Seconds per rep of the candidate's and the baseline's body, sampled in turn (timeInterleaved),
 * half of the `runs` pairs with the candidate first and half with the baseline first, so neither
 * always runs on the warmer or the cooler side of a pair.
 */
async function timePairs(cand, base, runs, timing) {
  const first = Math.ceil(runs / 2);
  const [c1, b1] = await timeInterleaved([cand, base], { ...timing, runs: first });
  const [b2, c2] = await timeInterleaved([base, cand], { ...timing, runs: runs - first });
  return { cand: [...c1, ...c2], base: [...b1, ...b2] };
}

/** Median and spread of candidate ÷ baseline over paired samples (throughputs). */
function ratioRow(env, row, cand, base) {
  const ratios = cand.map((c, i) => c / base[i]);
  return { env, row, candidate: median(cand), baseline: median(base), ratio: median(ratios), ratio_min: Math.min(...ratios), ratio_max: Math.max(...ratios), samples: ratios.length };
}

/** One moe_bench call on one layer row with one sample: its tokens/s, steps/s and best peak GFLOP/s. */
async function nativeSample(bin, layer, T, minS) {
  const L = LAYERS[layer];
  const out = await sh(bin, [`${L.d},${L.f},${L.E},${L.k},${L.swiglu},${T},${layer}`, '1', String(minS), '1']);
  const s = { layer: null, train: null, peak: 0 };
  for (const line of out.split('\n').filter((l) => l.startsWith('{'))) {
    const r = JSON.parse(line);
    if (r.kind === 'layer') s.layer = r.tokens / r.seconds[0];
    else if (r.kind === 'train') s.train = 1 / r.seconds[0];
    else if (r.kind === 'peak') s.peak = Math.max(s.peak, r.work / r.seconds[0] / 1e9);
  }
  if (s.layer == null || s.train == null) throw new Error(`${bin}: no layer or train row in its output`);
  return s;
}

// Exported so the two sides can also be one build (a self-comparison shows the noise floor).
export async function runNative(bins, rows, rounds, minS, log) {
  const keys = [...rows.map((r) => `${r.layer} T=${r.tokens}`), 'train (steps/s)', 'peak GFLOP/s'];
  const got = { cand: Object.fromEntries(keys.map((k) => [k, []])), base: Object.fromEntries(keys.map((k) => [k, []])) };
  for (let round = 0; round < rounds; ++round) {
    for (const [i, row] of rows.entries()) {
      const order = (round + i) % 2 ? ['base', 'cand'] : ['cand', 'base'];
      for (const who of order) {
        const s = await nativeSample(bins[who], row.layer, row.tokens, minS);
        got[who][`${row.layer} T=${row.tokens}`].push(s.layer);
        got[who]['train (steps/s)'].push(s.train);
        got[who]['peak GFLOP/s'].push(s.peak);
      }
    }
    log(`native: round ${round + 1} of ${rounds} done`);
  }
  return keys.map((k) => ratioRow('native', k, got.cand[k], got.base[k]));
}

export async function runNode(dirs, rows, rounds, timing, log) {
  const mods = { cand: await loadNodeModule(dirs.cand, 'candidate'), base: await loadNodeModule(dirs.base, 'baseline') };
  const out = [];
  for (const row of rows) {
    const L = LAYERS[row.layer];
    const x = benchInput(row.tokens * L.d);
    const eng = { cand: new MoeBench(mods.cand), base: new MoeBench(mods.base) };
    for (const e of Object.values(eng)) {
      e.create(L, 1);
      e.setInput(x, row.tokens);
      e.forward(1);
    }
    // Same seed, same input: the two builds must compute the same layer before their times compare.
    const [yc, yb] = [eng.cand.output(), eng.base.output()];
    let maxErr = 0;
    for (let j = 0; j < yc.length; ++j) maxErr = Math.max(maxErr, Math.abs(yc[j] - yb[j]) / Math.max(1e-3, Math.abs(yb[j])));
    if (!(maxErr <= 1e-3)) throw new Error(`node ${row.layer} T=${row.tokens}: outputs differ (max relative error ${maxErr})`);
    const t = await timePairs((reps) => eng.cand.forward(reps), (reps) => eng.base.forward(reps), rounds, timing);
    out.push(ratioRow('node', `${row.layer} T=${row.tokens}`, t.cand.map((s) => row.tokens / s), t.base.map((s) => row.tokens / s)));
    log(`node: ${row.layer} T=${row.tokens} ratio ${out.at(-1).ratio.toFixed(3)}`);
  }
  for (const m of Object.values(mods)) {
    if (m._bench_train_create() !== 0) throw new Error(m.UTF8ToString(m._bench_error()));
  }
  const train = (m) => (reps) => {
    for (let r = 0; r < reps; ++r) m._bench_train_run(TRAIN_CHUNK);
  };
  const t = await timePairs(train(mods.cand), train(mods.base), rounds, timing);
  out.push(ratioRow('node', 'train (steps/s)', t.cand.map((s) => TRAIN_CHUNK / s), t.base.map((s) => TRAIN_CHUNK / s)));
  return out;
}

/** Runs the check; returns the exit code (1 when a row regresses beyond the tolerance). */
export async function runAB(argv) {
  const option = (name, dflt) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  const log = (s) => console.log(s);
  const ref = option('--baseline', null);
  if (!ref || ref.startsWith('--')) throw new Error('--baseline: needs a git ref, e.g. --baseline HEAD~1');
  let sha;
  try {
    sha = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    throw new Error(`--baseline: "${ref}" is not a commit of this repository`);
  }
  const envs = option('--envs', 'native,node').split(',');
  for (const e of envs) if (e !== 'native' && e !== 'node') throw new Error(`--envs: "${e}" is not compared (native and node are)`);
  const rounds = Number(option('--rounds', 7));
  if (!Number.isInteger(rounds) || rounds < 2) throw new Error(`--rounds: must be a whole number >= 2, got ${option('--rounds')}`);
  const tolerance = Number(option('--tolerance', 0.03));
  if (!(tolerance >= 0 && tolerance < 1)) throw new Error(`--tolerance: must be in [0, 1), got ${option('--tolerance')}`);
  const casesOpt = option('--cases', null);
  const cases = casesOpt ? casesOpt.split(';').map((c) => ({ layer: c.split(':')[0], tokens: c.split(':')[1].split(',').map(Number) })) : DEFAULT_CASES;
  for (const c of cases) if (!LAYERS[c.layer]) throw new Error(`--cases: unknown layer "${c.layer}" (one of ${Object.keys(LAYERS).join(', ')})`);
  const rows = cases.flatMap(({ layer, tokens }) => tokens.map((T) => ({ layer, tokens: T })));

  const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'engine', 'bench', 'CMakeLists.txt'], { encoding: 'utf8' }).trim() !== '';
  const abDir = path.join('build/ab', sha.slice(0, 12));
  const cand = { native: option('--native-dir', 'build/native'), wasm: option('--wasm-dir', 'build/wasm') };
  const base = { native: path.join(abDir, 'native'), wasm: path.join(abDir, 'wasm') };
  log(`bench --baseline: candidate ${head.slice(0, 12)}${dirty ? ' + uncommitted engine changes' : ''} (${cand.native}, ${cand.wasm}) vs baseline ${sha.slice(0, 12)} (${abDir})`);
  exportSources(sha, path.join(abDir, 'src'));
  for (const env of envs) {
    const wasm = env === 'node';
    await buildBench(path.join(abDir, 'src'), wasm ? base.wasm : base.native, wasm);
    if (!argv.includes('--no-build')) await buildBench('.', wasm ? cand.wasm : cand.native, wasm);
  }

  const loadStart = os.loadavg();
  const results = [];
  if (envs.includes('native')) results.push(...(await runNative({ cand: `${cand.native}/moe_bench`, base: `${base.native}/moe_bench` }, rows, rounds, 0.1, log)));
  if (envs.includes('node')) results.push(...(await runNode({ cand: cand.wasm, base: base.wasm }, rows, rounds, { minS: 0.1, warm: 0.5 }, log)));
  const loadEnd = os.loadavg();

  const fmt = (v, d) => Number(v).toFixed(d);
  const isNoiseRow = (r) => r.row === 'peak GFLOP/s';
  const lines = [
    `| env | row | candidate | baseline | ratio (median of ${rounds}) | ratio min–max | |`,
    '|---|---|---:|---:|---:|---|---|',
    ...results.map((r) => {
      const verdict = isNoiseRow(r) ? 'noise floor' : r.ratio < 1 - tolerance ? `REGRESSED > ${fmt(tolerance * 100, 0)}%` : 'ok';
      return `| ${r.env} | ${r.row} | ${fmt(r.candidate, r.candidate < 100 ? 2 : 0)} | ${fmt(r.baseline, r.baseline < 100 ? 2 : 0)} | ${fmt(r.ratio, 3)} | ${fmt(r.ratio_min, 3)}–${fmt(r.ratio_max, 3)} | ${verdict} |`;
    }),
  ];
  const checked = results.filter((r) => !isNoiseRow(r));
  const regressed = checked.filter((r) => r.ratio < 1 - tolerance);
  const worst = checked.reduce((w, r) => (r.ratio < w.ratio ? r : w));
  console.log(`\nmachine: ${os.cpus()[0]?.model}, ${os.cpus().length} cores, load average ${loadStart.map((v) => v.toFixed(2)).join(' ')} (start) / ${loadEnd.map((v) => v.toFixed(2)).join(' ')} (end)`);
  console.log(lines.join('\n'));
  console.log(
    `\nregression check (tolerance ${fmt(tolerance * 100, 1)}%): ${regressed.length ? `${regressed.length} of ${checked.length} rows regressed` : `no row regressed (${checked.length} rows)`}; ` +
      `worst median ratio ${fmt(worst.ratio, 3)} (${worst.env} ${worst.row}). A ratio's min–max is the spread of its ${rounds} paired samples on a shared machine.`,
  );
  const outFile = option('--out', path.join('build/bench', `ab-${sha.slice(0, 12)}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`));
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify({ candidate: head, candidate_dirty: dirty, baseline: sha, ref, rounds, tolerance, loadavg_start: loadStart, loadavg_end: loadEnd, results, table: lines.join('\n') }, null, 2) + '\n');
  console.log(`bench: wrote ${path.resolve(outFile)}`);
  return regressed.length ? 1 : 0;
}
