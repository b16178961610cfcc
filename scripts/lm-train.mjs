// The shipped language models from one command (npm run lm:train): builds what is missing (the
// corpus, the native `moe`, the tokenizer), then trains every recipe in engine/examples/ named
// below on the same pinned corpus, tokenizer and seed, each writing its checkpoint folder
// (config.json, model.safetensors, tokenizer.json) and training_log.json under web/public/models/.
//
//   build/lm-corpus/           node scripts/lm-corpus.mjs            (when manifest.json is missing)
//   build/native/moe           cmake --build build/native --target moe (when missing)
//   build/lm/tokenizer.json    moe lm tokenizer train --vocab 1024 <every domain's train.txt>
//
// Usage: node scripts/lm-train.mjs [RECIPE.json ...]   (default: the shipped recipes)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const shipped = ['engine/examples/lm-train-moe.json', 'engine/examples/lm-train-dense.json'];
const recipes = process.argv.slice(2).length ? process.argv.slice(2) : shipped;
const domains = ['prose', 'code', 'arithmetic'];
const vocab = 1024;

function run(cmd, args) {
  console.error(`$ ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
}

if (!existsSync(path.join(root, 'build/lm-corpus/manifest.json'))) {
  run('node', ['scripts/lm-corpus.mjs']);
}
const moe = path.join(root, 'build/native/moe');
if (!existsSync(moe)) {
  if (!existsSync(path.join(root, 'build/native/CMakeCache.txt'))) {
    run('cmake', ['-S', '.', '-B', 'build/native', '-DCMAKE_BUILD_TYPE=Release']);
  }
  run('cmake', ['--build', 'build/native', '-j2', '--target', 'moe']);
}
const tokenizer = path.join(root, 'build/lm/tokenizer.json');
if (!existsSync(tokenizer)) {
  mkdirSync(path.dirname(tokenizer), { recursive: true });
  run(moe, ['lm', 'tokenizer', 'train', '--vocab', String(vocab), '--out', tokenizer,
    ...domains.map((d) => `build/lm-corpus/${d}/train.txt`)]);
}
for (const recipe of recipes) run(moe, ['lm', 'train', recipe]);
