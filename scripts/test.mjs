// Runs every suite of the project in order and ends with one line
// `N passed, N failed` that sums them all. Exits non-zero if anything failed,
// including a suite that crashed before reporting its count.
// Usage: node scripts/test.mjs [suite-name ...]   (default: all suites)
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { changedBetween, readSnapshot } from './tracked-files.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
mkdirSync('build/reports', { recursive: true });
const env = { ...process.env, NODE_PATH: '/usr/share/nodejs' };

/** Run a command, echo its output, and resolve with {code, output}. */
function run(cmd, args, extraEnv = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const relay = (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('error', (err) => resolve({ code: 127, output: String(err) }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** A suite's counts as its tool reported them; a non-zero exit with no failure reported still
 *  counts as one failure. */
function tally(passed, failed, code) {
  return { passed, failed: failed === 0 && code !== 0 ? 1 : failed };
}

/** doctest's closing line: `[doctest] test cases: 12 | 12 passed | 0 failed | 0 skipped`. */
function doctestCounts({ code, output }) {
  const m = [...output.matchAll(/test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed/g)].pop();
  if (!m) return { passed: 0, failed: 1, note: 'no doctest summary (crashed?)' };
  return tally(Number(m[2]), Number(m[3]), code);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** The run and count of a suite whose tool writes a JSON report: the last run's report is removed
 *  first, so a tool that ends before writing one fails the suite (`no <what> report`) instead of
 *  being counted by stale numbers. counts(report) -> {passed, failed}. */
function reportSuite({ report, what, cmd, args, extraEnv = {}, counts }) {
  return {
    run: () => {
      rmSync(report, { force: true });
      return run(cmd, args, extraEnv);
    },
    count: ({ code }) => {
      const r = readJson(report);
      if (!r) return { passed: 0, failed: 1, note: `no ${what} report` };
      const { passed, failed } = counts(r);
      return tally(passed, failed, code);
    },
  };
}

// ---- the sanitizer build's head start ----------------------------------------------------------
// build/fuzz (clang, ASan + UBSan) is the longest build the suites do, and the suites before
// engine-asan leave a core idle (the type check, the native doctest run). So it starts on one core
// as soon as the suites start; engine-asan stops that head start and builds the rest with both cores
// (a stopped make loses only the file it was compiling; every finished object is kept).
const asanConfigure = ['cmake', ['-S', '.', '-B', 'build/fuzz', '-DMOE_FUZZ=ON', '-DCMAKE_BUILD_TYPE=Debug'], { CXX: 'clang++' }];
function startAsanHeadStart() {
  let child = null;
  let stopped = false;
  let building = false; // a configure step is left to finish: stopped half-way, it leaves a broken folder
  let output = '';
  const done = (async () => {
    const steps = existsSync('build/fuzz/CMakeCache.txt') ? [] : [asanConfigure];
    steps.push(['cmake', ['--build', 'build/fuzz', '-j1', '--target', 'moe_tests'], {}]);
    for (const [cmd, args, extraEnv] of steps) {
      if (stopped) return;
      building = args[0] === '--build';
      // Its own process group, so that stopping it stops make and its compiler too.
      child = spawn(cmd, args, { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      child.stdout.on('data', (c) => (output += c));
      child.stderr.on('data', (c) => (output += c));
      const code = await new Promise((resolve) => {
        child.on('error', () => resolve(127));
        child.on('close', (c) => resolve(c ?? 1));
      });
      if (code !== 0) return; // engine-asan runs the step again and reports it
    }
  })();
  const kill = () => {
    stopped = true;
    if (building && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
    }
  };
  // If the suites end first (an early exit, Ctrl-C), the build does not outlive them.
  process.on('exit', kill);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => (kill(), process.exit(130)));
  return {
    /** Stop it (if still running) and hand over what it printed. */
    stop: async () => {
      kill();
      await done;
      return output;
    },
  };
}

/** A check with no count of its own (formatting, type check) counts as one test. */
const single = ({ code }) => ({ passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1 });

function cppSources() {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSyncSafe(dir)) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.(c|h)(pp)?$/.test(entry.name)) out.push(p);
    }
  };
  ['engine', 'tests/engine', 'tests/fuzz'].forEach(walk);
  return out;
}
function readdirSyncSafe(dir) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Compares the tracked-file snapshots scripts/setup.sh saved before and after its work. */
function setupChangedNothing() {
  const before = readSnapshot('build/reports/tracked-files-before-setup.json');
  const after = readSnapshot('build/reports/tracked-files-after-setup.json');
  const say = (code, text) => (console.log(text), { code, output: text });
  if (!before || !after) return say(1, 'setup-clean: no snapshots from a finished scripts/setup.sh (run npm test)');
  if (!after.gitWorkTree) return say(0, 'setup-clean: not a git work tree; nothing to compare');
  const changed = changedBetween(before.changes, after.changes);
  if (changed.length) return say(1, `setup-clean: scripts/setup.sh changed tracked files:\n  ${changed.join('\n  ')}`);
  return say(0, 'setup-clean: scripts/setup.sh changed no tracked file');
}

const suites = [
  {
    name: 'setup-clean',
    about: 'scripts/setup.sh left every tracked file as it found it (git status before and after)',
    run: async () => setupChangedNothing(),
    count: single,
  },
  {
    name: 'format',
    about: 'clang-format over engine and engine tests',
    run: () => run('clang-format', ['--dry-run', '-Werror', ...cppSources()]),
    count: single,
  },
  {
    name: 'typecheck',
    about: 'svelte-check over the player, then tsc over the tests and configs (tsconfig.json)',
    run: async () => {
      const player = await run('npx', ['svelte-check', '--tsconfig', './web/tsconfig.json', '--output', 'human', '--fail-on-warnings']);
      return player.code === 0 ? run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']) : player;
    },
    count: single,
  },
  {
    name: 'engine-native',
    about: 'doctest suite, native, through ctest',
    run: () => run('ctest', ['--test-dir', 'build/native', '--output-on-failure', '-V']),
    count: doctestCounts,
  },
  {
    name: 'engine-asan',
    about: 'the same doctest suite, native, with the engine and CLI commands under AddressSanitizer + UndefinedBehaviorSanitizer (build/fuzz)',
    run: async () => {
      // clang -O1 -fsanitize=address,undefined -fno-sanitize-recover=all over the engine and the CLI
      // commands (the test files link the runtimes uninstrumented: CMakeLists.txt). It shares
      // build/fuzz with the fuzzers (MOE_FUZZ implies the sanitizers): the engine compiles once.
      if (asanHeadStart) {
        const early = await asanHeadStart.stop();
        console.log(`(build/fuzz, started in the background with the first suite:)\n${early}`);
      }
      if (!existsSync('build/fuzz/CMakeCache.txt')) {
        const conf = await run(...asanConfigure);
        if (conf.code !== 0) return conf;
      }
      const built = await run('cmake', ['--build', 'build/fuzz', '-j2', '--target', 'moe_tests']);
      if (built.code !== 0) return built;
      // The two shipped-checkpoint cases (re-train 5 steps of the 3.7M-parameter model, evaluate
      // its whole held-out corpus) take ~2 min under the sanitizers and run natively in
      // engine-native; the code they call is covered here by the small models' cases.
      return run('build/fuzz/moe_tests', ['--no-colors', '--test-case-exclude=lm shipped: *'], {
        ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:allocator_may_return_null=1',
        UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
      });
    },
    count: doctestCounts,
  },
  {
    name: 'fuzz',
    about: 'libFuzzer targets (spec parser; case parser + forward; safetensors + LM config readers), 10 s each, ASan + UBSan (build/fuzz)',
    run: () => run('node', ['scripts/fuzz.mjs', '--seconds', process.env.MOE_FUZZ_SECONDS || '10']),
    count: ({ code, output }) => {
      const m = [...output.matchAll(/^fuzz: (\d+) passed, (\d+) failed/gm)].pop();
      if (!m) return { passed: 0, failed: 1, note: 'no fuzz summary' };
      return tally(Number(m[1]), Number(m[2]), code);
    },
  },
  {
    name: 'engine-wasm-node',
    about: 'the same doctest suite as WebAssembly in Node',
    run: () => run('node', ['build/wasm/moe_tests.js', '--no-colors']),
    count: doctestCounts,
  },
  {
    name: 'engine-wasm-chromium',
    about: 'the same doctest suite as WebAssembly in headless Chromium',
    run: () => run('node', ['scripts/doctest-in-chromium.mjs']),
    count: doctestCounts,
  },
  {
    name: 'bench-smoke',
    about: 'npm run bench on a tiny layer (native, Node, Chromium): it runs and every peer agrees with the engine; no timing is asserted',
    ...reportSuite({
      report: 'build/reports/bench-smoke.json',
      what: 'bench-smoke',
      cmd: 'node',
      args: ['bench/run.mjs', '--quick', '--no-build', '--out', 'build/reports/bench-smoke.json'],
      counts: (r) => {
        const failed = r.checks.filter((c) => !c.ok).length + (r.results.length ? 0 : 1);
        return { passed: r.checks.length - failed, failed };
      },
    }),
  },
  {
    name: 'web-unit',
    about: 'vitest against the real wasm build',
    ...reportSuite({
      report: 'build/reports/vitest.json',
      what: 'vitest',
      cmd: 'npx',
      args: ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=build/reports/vitest.json'],
      counts: (r) => ({ passed: r.numPassedTests, failed: r.numFailedTests + (r.numFailedTestSuites ?? 0) }),
    }),
  },
  {
    name: 'e2e',
    about: 'Playwright in Debian Chromium against the served app',
    ...reportSuite({
      report: 'build/reports/playwright.json',
      what: 'Playwright',
      cmd: 'npx',
      args: ['playwright', 'test'],
      extraEnv: { CI: process.env.CI ?? '' },
      counts: (r) => ({ passed: r.stats.expected, failed: r.stats.unexpected + r.stats.flaky + (r.errors?.length ?? 0) }),
    }),
  },
];

const wanted = process.argv.slice(2);
const chosen = wanted.length ? suites.filter((s) => wanted.includes(s.name)) : suites;
if (wanted.length && chosen.length !== wanted.length) {
  console.error(`unknown suite; known: ${suites.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

const asanHeadStart = chosen.some((s) => s.name === 'engine-asan') && chosen[0].name !== 'engine-asan' ? startAsanHeadStart() : null;
const rows = [];
for (const suite of chosen) {
  console.log(`\n=== ${suite.name}: ${suite.about}`);
  const started = Date.now();
  const counts = suite.count(await suite.run());
  rows.push({ name: suite.name, ...counts, seconds: ((Date.now() - started) / 1000).toFixed(1) });
}

console.log('\n=== summary');
for (const r of rows) {
  const status = r.failed ? 'FAIL' : 'ok  ';
  console.log(`${status} ${r.name.padEnd(22)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed  ${r.seconds}s${r.note ? `  (${r.note})` : ''}`);
}
const passed = rows.reduce((n, r) => n + r.passed, 0);
const failed = rows.reduce((n, r) => n + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
