// The MoE-versus-dense report over seeds (npm run lm:seeds): trains the two shipped recipes again
// with other seeds (same corpus, tokenizer, steps and tokens; only `seed` differs), then writes
// engine/data/lm-report/README.md and curves.svg from the training logs: seed 1 is the committed
// models' own log (test_lm_shipped.cpp ties it to the recipe), the others are trained here into
// build/lm/seeds/. A run whose log exists is not trained again (delete the folder to redo it).
//
// Usage: node scripts/lm-seeds.mjs [--seeds 2,3] [--report-only]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const models = [
  { name: 'moe', recipe: 'engine/examples/lm-train-moe.json', shipped: 'web/public/models/moe-lm' },
  { name: 'dense', recipe: 'engine/examples/lm-train-dense.json', shipped: 'web/public/models/dense-lm' },
];
const outDir = path.join(root, 'engine/data/lm-report');

let seeds = [2];
let reportOnly = false;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--seeds') seeds = (argv[++i] ?? '').split(',').map(Number);
  else if (argv[i] === '--report-only') reportOnly = true;
  else {
    console.error(`lm-seeds: unknown argument ${argv[i]} (usage: node scripts/lm-seeds.mjs [--seeds 2,3] [--report-only])`);
    process.exit(2);
  }
}
if (seeds.some((s) => !Number.isInteger(s) || s < 2)) {
  console.error('lm-seeds: --seeds: whole numbers >= 2 (seed 1 is the shipped models)');
  process.exit(2);
}

const readJson = (file) => JSON.parse(readFileSync(path.join(root, file), 'utf8'));
const seedDir = (seed, name) => `build/lm/seeds/seed-${seed}/${name}`;

// ---- train what is missing (the runs of one seed side by side: one thread each) ----------------
function train(recipeFile) {
  console.error(`$ build/native/moe lm train ${recipeFile}`);
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(root, 'build/native/moe'), ['lm', 'train', recipeFile], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`moe lm train ${recipeFile} exited with ${code}`))));
  });
}

if (!reportOnly) {
  // lm-train.mjs builds the corpus, the CLI and the tokenizer when they are missing.
  if (!existsSync(path.join(root, 'build/lm/tokenizer.json')) || !existsSync(path.join(root, 'build/native/moe'))) {
    console.error('lm-seeds: run `npm run lm:train` once first (it builds the corpus, the CLI and the tokenizer)');
    process.exit(1);
  }
  for (const seed of seeds) {
    const runs = [];
    for (const m of models) {
      const dir = seedDir(seed, m.name);
      if (existsSync(path.join(root, dir, 'training_log.json'))) continue;
      mkdirSync(path.join(root, dir), { recursive: true });
      const recipe = { ...readJson(m.recipe), seed, out: dir, log: `${dir}/training_log.json` };
      const recipeFile = `${dir}/recipe.json`;
      writeFileSync(path.join(root, recipeFile), `${JSON.stringify(recipe, null, 2)}\n`);
      runs.push(train(recipeFile));
    }
    await Promise.all(runs);
  }
}

// ---- the report ---------------------------------------------------------------------------------
const runs = []; // { model, seed, log }
for (const m of models) {
  runs.push({ model: m.name, seed: 1, log: readJson(`${m.shipped}/training_log.json`) });
  for (const seed of seeds) {
    const file = `${seedDir(seed, m.name)}/training_log.json`;
    if (!existsSync(path.join(root, file))) {
      console.error(`lm-seeds: ${file} is missing (train it: node scripts/lm-seeds.mjs --seeds ${seed})`);
      process.exit(1);
    }
    runs.push({ model: m.name, seed, log: readJson(file) });
  }
}
const domains = Object.keys(runs[0].log.checkpoint_heldout);
const allSeeds = [1, ...seeds];
const final = (model, seed) => runs.find((r) => r.model === model && r.seed === seed).log.checkpoint_heldout;
const f3 = (x) => x.toFixed(3);
const signed = (x) => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(3)}`;

const lines = [];
lines.push('# MoE against dense at equal active parameters, over seeds');
lines.push('');
lines.push('Written by `npm run lm:seeds` (scripts/lm-seeds.mjs) from the training logs; do not edit by hand.');
lines.push('Both models train on the same tokens from the same recipe (engine/examples/lm-train-moe.json and');
lines.push('lm-train-dense.json); only the seed changes. Seed 1 is the shipped pair in web/public/models/.');
lines.push('Loss is the mean next-token loss in nats on each domain\'s held-out split.');
lines.push('');
const r0 = runs.find((r) => r.model === 'moe').log;
const d0 = runs.find((r) => r.model === 'dense').log;
lines.push(`- MoE: ${r0.params.toLocaleString('en')} parameters, ${r0.active_params.toLocaleString('en')} active per token.`);
lines.push(`- dense: ${d0.params.toLocaleString('en')} parameters, ${d0.active_params.toLocaleString('en')} active per token.`);
const tokens = r0.recipe.steps * r0.recipe.batch * r0.recipe.seq_len;
lines.push(`- ${tokens.toLocaleString('en')} training tokens each (${r0.recipe.steps} steps of ${r0.recipe.batch} × ${r0.recipe.seq_len}).`);
lines.push('');
lines.push('## Final held-out loss');
lines.push('');
lines.push(`| seed | ${domains.map((d) => `${d}: MoE | ${d}: dense | ${d}: MoE − dense`).join(' | ')} |`);
lines.push(`|---:|${domains.map(() => '---:|---:|---:').join('|')}|`);
for (const seed of allSeeds) {
  const m = final('moe', seed);
  const d = final('dense', seed);
  lines.push(`| ${seed} | ${domains.map((k) => `${f3(m[k])} | ${f3(d[k])} | ${signed(m[k] - d[k])}`).join(' | ')} |`);
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const gaps = Object.fromEntries(domains.map((k) => [k, allSeeds.map((s) => final('moe', s)[k] - final('dense', s)[k])]));
lines.push(`| mean | ${domains.map((k) => `${f3(mean(allSeeds.map((s) => final('moe', s)[k])))} | ${f3(mean(allSeeds.map((s) => final('dense', s)[k])))} | ${signed(mean(gaps[k]))}`).join(' | ')} |`);
lines.push('');
const wins = domains.map((k) => `${k}: MoE lower in ${gaps[k].filter((g) => g < 0).length} of ${allSeeds.length} seeds`);
lines.push(`${wins.join('; ')}.`);
lines.push('');
lines.push('## Held-out loss during training');
lines.push('');
lines.push('![Held-out loss per domain against training step, MoE solid and dense dashed, one line per seed](curves.svg)');
lines.push('');
const steps = runs[0].log.heldout.map((h) => h.step);
lines.push(`| step | ${runs.map((r) => `${r.model} s${r.seed}`).join(' | ')} |`);
lines.push(`|---:|${runs.map(() => '---:').join('|')}|`);
for (const [i, step] of steps.entries()) {
  const cells = runs.map((r) => {
    const h = r.log.heldout[i]?.heldout;
    return h ? domains.map((k) => f3(h[k])).join(' / ') : '';
  });
  lines.push(`| ${step} | ${cells.join(' | ')} |`);
}
lines.push('');
lines.push(`Each cell: ${domains.join(' / ')}.`);
lines.push('');
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'README.md'), `${lines.join('\n')}`);

// ---- curves.svg: one panel per domain, loss against step -----------------------------------------
const W = 300;
const H = 220;
const pad = { l: 44, r: 10, t: 24, b: 32 };
const maxStep = Math.max(...steps);
const panels = domains.map((dom, p) => {
  const values = runs.flatMap((r) => r.log.heldout.map((h) => h.heldout[dom]));
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const x = (s) => pad.l + (s / maxStep) * (W - pad.l - pad.r);
  const y = (v) => pad.t + ((hi - v) / (hi - lo || 1)) * (H - pad.t - pad.b);
  const paths = runs.map((r) => {
    const d = r.log.heldout.map((h, i) => `${i ? 'L' : 'M'}${x(h.step).toFixed(1)},${y(h.heldout[dom]).toFixed(1)}`).join('');
    const colour = r.model === 'moe' ? '#1d3b6e' : '#b5542b';
    const dash = r.model === 'dense' ? ' stroke-dasharray="5 3"' : '';
    const opacity = r.seed === 1 ? 1 : 0.55;
    return `<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.6"${dash} opacity="${opacity}"><title>${r.model}, seed ${r.seed}</title></path>`;
  });
  const ticks = [lo, (lo + hi) / 2, hi].map((v) => `<text x="${pad.l - 4}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(2)}</text>`);
  return `<g transform="translate(${p * W},0)"><text x="${pad.l}" y="14" font-weight="bold">${dom}</text>${ticks.join('')}<text x="${pad.l}" y="${H - 8}">0</text><text x="${W - pad.r}" y="${H - 8}" text-anchor="end">step ${maxStep}</text><line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="#999"/>${paths.join('')}</g>`;
});
const legend = `<text x="10" y="${H + 14}">MoE solid blue, dense dashed orange; seed 1 opaque, other seeds faded. Loss in nats.</text>`;
writeFileSync(
  path.join(outDir, 'curves.svg'),
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W * domains.length}" height="${H + 22}" font-family="sans-serif" font-size="11">${panels.join('')}${legend}</svg>\n`,
);
console.error(`lm-seeds: wrote ${path.relative(root, outDir)}/README.md and curves.svg`);
