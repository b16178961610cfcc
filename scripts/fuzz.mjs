// Builds the engine's libFuzzer targets (tests/fuzz/*.cpp, clang with ASan + UBSan) into
// build/fuzz and runs each for a fixed time, seeded from tests/oracle/*.json (and, for
// fuzz_safetensors, the checkpoints and configs of tests/oracle-lm).
// Ends with one line `fuzz: N passed, N failed` (one test per target that finished without a
// crash, sanitizer report, leak or timeout). A failing input is saved as
// build/fuzz/crashes/<target>-crash-<sha1> and the command to replay it is printed.
// Usage: node scripts/fuzz.mjs [--seconds N] [--only fuzz_spec,fuzz_forward,fuzz_tokenizer,fuzz_safetensors] [--verbose]   (npm run fuzz -- --seconds N)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);

const targets = ['fuzz_spec', 'fuzz_forward', 'fuzz_tokenizer', 'fuzz_safetensors'];
const opts = { seconds: 60, only: targets, verbose: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const value = () => argv[++i] ?? '';
  if (a === '--seconds') opts.seconds = Number(value());
  else if (a.startsWith('--seconds=')) opts.seconds = Number(a.slice(10));
  else if (a === '--only') opts.only = value().split(',');
  else if (a === '--verbose') opts.verbose = true;
  else if (a === '-h' || a === '--help') {
    console.log('usage: node scripts/fuzz.mjs [--seconds N] [--only fuzz_spec,fuzz_forward,fuzz_tokenizer,fuzz_safetensors] [--verbose]');
    process.exit(0);
  } else {
    console.error(`fuzz: unknown argument ${a}`);
    process.exit(2);
  }
}
if (!Number.isInteger(opts.seconds) || opts.seconds < 1) {
  console.error('fuzz: --seconds must be a whole number of at least 1');
  process.exit(2);
}
const chosen = targets.filter((t) => opts.only.includes(t));

/** Runs a command; `echo: false` keeps its output (libFuzzer's per-input lines) for the caller to show. */
function run(cmd, args, env = {}, echo = true) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const relay = (chunk) => {
      output += chunk;
      if (echo) process.stdout.write(chunk);
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('error', (err) => resolve({ code: 127, output: String(err) }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

function finish(passed, failed) {
  console.log(`fuzz: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

// ---- build ---------------------------------------------------------------------------------------
const build = 'build/fuzz';
if (!existsSync(`${build}/CMakeCache.txt`)) {
  const r = await run('cmake', ['-S', '.', '-B', build, '-DMOE_FUZZ=ON', '-DCMAKE_BUILD_TYPE=Debug'], { CXX: 'clang++' });
  if (r.code !== 0) finish(0, chosen.length);
}
// fuzz_tokenizer's seed tokenizer.json is trained by the CLI of the same build folder.
const extra = chosen.includes('fuzz_tokenizer') ? ['moe'] : [];
const built = await run('cmake', ['--build', build, '-j2', '--target', ...chosen, ...extra]);
if (built.code !== 0) finish(0, chosen.length);

// ---- seeds: the oracle cases as they are (fuzz_forward) and as layer specs (fuzz_spec) ------------
const oracle = readdirSync('tests/oracle').filter((f) => f.endsWith('.json'));
const seeds = {};
for (const t of chosen) {
  seeds[t] = `${build}/seeds/${t}`;
  rmSync(seeds[t], { recursive: true, force: true });
  mkdirSync(seeds[t], { recursive: true });
  mkdirSync(`${build}/corpus/${t}`, { recursive: true });
}
mkdirSync(`${build}/crashes`, { recursive: true });
for (const file of oracle) {
  const text = readFileSync(`tests/oracle/${file}`, 'utf8');
  if (seeds.fuzz_forward) writeFileSync(`${seeds.fuzz_forward}/${file}`, text);
  if (seeds.fuzz_spec) {
    const c = JSON.parse(text);
    if (!c.config || !c.weights) continue;
    const { family: _f, input_shape: _s, ...config } = c.config;
    writeFileSync(`${seeds.fuzz_spec}/${file}`, JSON.stringify({ config, weights: c.weights }));
    writeFileSync(`${seeds.fuzz_spec}/seeded-${file}`, JSON.stringify({ config, seed: 7 }));
  }
}
if (seeds.fuzz_spec) {
  const small = {
    config: { d_model: 8, d_ff: 16, num_experts: 4, top_k: 2, router_kind: 'softmax_topk_renorm', activation: 'silu', expert_kind: 'swiglu' },
    seed: 7,
  };
  writeFileSync(`${seeds.fuzz_spec}/small.json`, JSON.stringify(small));
  writeFileSync(`${seeds.fuzz_spec}/small-mlp.json`, JSON.stringify({ ...small, config: { ...small.config, expert_kind: 'mlp', activation: 'gelu' } }));
}

if (seeds.fuzz_tokenizer) {
  // Seeds: text to round-trip, and a tokenizer.json trained by this build's CLI.
  writeFileSync(`${seeds.fuzz_tokenizer}/text.txt`, 'In the beginning God said: "What is 37 + 85?" \u00e9\u{1F600}\r\n\tdef f(self):\n');
  const train = `${build}/seeds/tokenizer-train.txt`;
  writeFileSync(train, 'the cat sat on the mat; def main(self): return 42\n'.repeat(50));
  const out = `${seeds.fuzz_tokenizer}/tokenizer.json`;
  const r = await run(`${build}/moe`, ['lm', 'tokenizer', 'train', '--vocab', '300', '--out', out, train], {}, false);
  if (r.code !== 0) console.log(`fuzz_tokenizer: no tokenizer.json seed (${r.output.trim()})`);
}
if (seeds.fuzz_safetensors) {
  // The language model's checkpoints and configs, as they are.
  for (const dir of readdirSync('tests/oracle-lm', { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const file of ['model.safetensors', 'config.json']) {
      writeFileSync(`${seeds.fuzz_safetensors}/${dir.name}-${file}`, readFileSync(`tests/oracle-lm/${dir.name}/${file}`));
    }
  }
  // The DeepSeek-style block's config.json fields (engine/README.md, "The DeepSeek-style block").
  const tiny = JSON.parse(readFileSync('tests/oracle-lm/mixtral_tiny_l2_e4_top2/config.json', 'utf8'));
  const { num_local_experts: E, intermediate_size: f, ...rest } = tiny;
  const deepseek = {
    ...rest, architectures: ['MoeTutorForCausalLM'], model_type: 'moe_tutor', n_routed_experts: E,
    moe_intermediate_size: f, n_shared_experts: 1, scoring_func: 'sigmoid', topk_method: 'noaux_tc',
    norm_topk_prob: true, routed_scaling_factor: 1.0, n_group: 1, topk_group: 1, eos_token_id: 2,
  };
  writeFileSync(`${seeds.fuzz_safetensors}/moe_tutor-config.json`, JSON.stringify(deepseek, null, 2));
}

// ---- run -----------------------------------------------------------------------------------------
/** One target for opts.seconds; its report lines, printed by the caller in target order. */
async function fuzz(t) {
  const started = Date.now();
  const r = await run(
    `${build}/${t}`,
    [
      `-max_total_time=${opts.seconds}`,
      '-timeout=30',
      '-rss_limit_mb=2560',
      '-max_len=131072',
      '-print_final_stats=1',
      `-artifact_prefix=${build}/crashes/${t}-`,
      `${build}/corpus/${t}`,
      seeds[t],
    ],
    { ASAN_OPTIONS: 'detect_leaks=1:allocator_may_return_null=1', UBSAN_OPTIONS: 'print_stacktrace=1' },
    opts.verbose,
  );
  const report = [`\n--- ${t}: ${opts.seconds} s`];
  // The fuzzer's own report: its start, its last lines, and on failure everything from the crash on.
  const lines = r.output.split('\n');
  if (!opts.verbose) {
    const crashAt = lines.findIndex((l) => /ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|==\d+==|deadly signal/.test(l));
    const shown = r.code === 0 ? lines.filter((l) => /INITED|DONE|seed corpus|stat::/.test(l)) : lines.slice(Math.max(0, crashAt < 0 ? lines.length - 80 : crashAt - 5));
    report.push(shown.join('\n'));
  }
  const runs = /stat::number_of_executed_units:\s*(\d+)/.exec(r.output)?.[1] ?? '?';
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  if (r.code === 0) {
    report.push(`ok   ${t}: ${runs} inputs in ${secs} s, no crash`);
  } else {
    const artifact = /Test unit written to (\S+)/.exec(r.output)?.[1];
    report.push(`FAIL ${t}: exit ${r.code} after ${runs} inputs${artifact ? `; replay: ${build}/${t} ${artifact}` : ''}`);
  }
  return { ok: r.code === 0, report };
}

// One target per core at a time (libFuzzer runs on one thread, so each still gets a whole core for
// its time); one at a time with --verbose, whose output is echoed as it comes.
const width = opts.verbose ? 1 : Math.max(1, Math.min(availableParallelism(), chosen.length));
const results = new Array(chosen.length);
let next = 0;
await Promise.all(
  Array.from({ length: width }, async () => {
    while (next < chosen.length) {
      const i = next++;
      results[i] = await fuzz(chosen[i]);
    }
  }),
);
let passed = 0;
let failed = 0;
for (const { ok, report } of results) {
  console.log(report.join('\n'));
  if (ok) passed += 1;
  else failed += 1;
}
finish(passed, failed);
