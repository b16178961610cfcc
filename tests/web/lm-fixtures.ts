// Language-model fixtures for the facade tests: the golden folders of tests/oracle-lm, the native
// CLI (`moe lm ...`, to compare the wasm facade with), and a small model folder made here with a
// tokenizer the CLI trains, because the golden models' vocabularies (40-64) are smaller than any
// byte-level tokenizer (>= 257 tokens).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LmFiles } from '../../web/src/engine/lm-types';
import { seededRandom } from '../../web/src/widgets/common/seeded-random';
import { repo } from './wasm-engine';

export const oracleCases = ['mixtral_tiny_l2_e4_top2', 'mixtral_l3_e8_top2_mha_b2', 'mixtral_l2_e4_top1_mqa'] as const;

export interface OracleExpected {
  input_ids: number[][]; // [B][T]
  logits: number[][][]; // [B][T][V]
  router_logits: number[][][]; // [L][B·T][E]
  topk_indices: number[][][]; // [L][B·T][k]
  topk_weights: number[][][]; // [L][B·T][k]
  topk_probs: number[][][]; // [L][B·T][k]
  aux_loss: number;
  greedy: number[]; // [8]
}

export function oracleDir(name: string): string {
  return path.join(repo, 'tests/oracle-lm', name);
}

/** A folder's files as Engine.lmLoad takes them (tokenizer.json when the folder has one). */
export function readFolder(dir: string): LmFiles {
  const files: LmFiles = {
    config: readFileSync(path.join(dir, 'config.json'), 'utf8'),
    safetensors: new Uint8Array(readFileSync(path.join(dir, 'model.safetensors'))),
  };
  const tokenizer = path.join(dir, 'tokenizer.json');
  if (existsSync(tokenizer)) files.tokenizer = readFileSync(tokenizer, 'utf8');
  return files;
}

export function readExpected(name: string): OracleExpected {
  return JSON.parse(readFileSync(path.join(oracleDir(name), 'expected.json'), 'utf8')) as OracleExpected;
}

/** The native CLI: MOE_NATIVE_DIR/moe, or build/native/moe (built by the engine-native suite before vitest runs). */
export function nativeCli(): string {
  const dir = process.env.MOE_NATIVE_DIR ? path.resolve(process.env.MOE_NATIVE_DIR) : path.join(repo, 'build/native');
  const cli = path.join(dir, 'moe');
  if (!existsSync(cli)) throw new Error(`${cli} not found: build it (cmake --build build/native --target moe) or set MOE_NATIVE_DIR`);
  return cli;
}

/** Runs `moe lm ...` and parses its JSON output. */
export function runLm(args: string[]): unknown {
  return JSON.parse(execFileSync(nativeCli(), ['lm', ...args], { encoding: 'utf8' }));
}

/** `moe lm generate DIR --prompt-ids ...` with the given options: its tokens. */
export function cliGenerate(dir: string, prompt: number[], maxNew: number, sampling?: { temperature: number; top_p: number; seed: number }): number[] {
  const args = ['generate', dir, '--prompt-ids', prompt.join(','), '--max-new-tokens', String(maxNew)];
  if (sampling) args.push('--temperature', String(sampling.temperature), '--top-p', String(sampling.top_p), '--seed', String(sampling.seed));
  else args.push('--greedy');
  return (runLm(args) as { tokens: number[] }).tokens;
}

/** The safetensors format: 8-byte little-endian header length, JSON header (padded to 8), raw F32 data. */
export function writeSafetensors(tensors: [name: string, shape: number[], data: Float32Array][]): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape, data] of tensors) {
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let at = 8 + json.length;
  for (const [, , data] of tensors) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  return out;
}

export interface SmallModel {
  dir: string; // a folder with config.json, model.safetensors, tokenizer.json
  vocab: number;
  context: number;
}

/**
 * A small Mixtral-style model with random weights and a real tokenizer: the CLI trains a BPE of
 * 320 tokens on the project's corpus (engine/data/corpus.txt), the weights are seeded here.
 * L 2, d 16, 2 query heads on 1 kv head, 4 experts of width 12, top-2, context 48.
 */
export function makeSmallModel(): SmallModel {
  const dir = mkdtempSync(path.join(tmpdir(), 'moe-lm-web-'));
  const tokenizerPath = path.join(dir, 'tokenizer.json');
  runLm(['tokenizer', 'train', '--vocab', '320', '--out', tokenizerPath, path.join(repo, 'engine/data/corpus.txt')]);
  const tokenizer = JSON.parse(readFileSync(tokenizerPath, 'utf8')) as { model: { vocab: Record<string, number> }; added_tokens: { id: number }[] };
  const vocab = 1 + Math.max(...Object.values(tokenizer.model.vocab), ...tokenizer.added_tokens.map((t) => t.id));
  const [d, f, L, H, KV, hd, E, k, context] = [16, 12, 2, 2, 1, 8, 4, 2, 48];
  const config = {
    architectures: ['MixtralForCausalLM'],
    model_type: 'mixtral',
    vocab_size: vocab,
    hidden_size: d,
    intermediate_size: f,
    num_hidden_layers: L,
    num_attention_heads: H,
    num_key_value_heads: KV,
    head_dim: hd,
    hidden_act: 'silu',
    max_position_embeddings: context,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    num_local_experts: E,
    num_experts_per_tok: k,
    tie_word_embeddings: false,
  };
  const random = seededRandom(20261206);
  const matrix = (rows: number, cols: number, scale = 1 / Math.sqrt(cols)) =>
    Float32Array.from({ length: rows * cols }, () => (random() * 2 - 1) * scale * Math.sqrt(3));
  const ones = (n: number) => new Float32Array(n).fill(1);
  const tensors: [string, number[], Float32Array][] = [['model.embed_tokens.weight', [vocab, d], matrix(vocab, d, 1)]];
  for (let l = 0; l < L; l++) {
    const p = `model.layers.${l}`;
    tensors.push([`${p}.input_layernorm.weight`, [d], ones(d)]);
    tensors.push([`${p}.self_attn.q_proj.weight`, [H * hd, d], matrix(H * hd, d)]);
    tensors.push([`${p}.self_attn.k_proj.weight`, [KV * hd, d], matrix(KV * hd, d)]);
    tensors.push([`${p}.self_attn.v_proj.weight`, [KV * hd, d], matrix(KV * hd, d)]);
    tensors.push([`${p}.self_attn.o_proj.weight`, [d, H * hd], matrix(d, H * hd)]);
    tensors.push([`${p}.post_attention_layernorm.weight`, [d], ones(d)]);
    tensors.push([`${p}.block_sparse_moe.gate.weight`, [E, d], matrix(E, d)]);
    for (let j = 0; j < E; j++) {
      const q = `${p}.block_sparse_moe.experts.${j}`;
      tensors.push([`${q}.w1.weight`, [f, d], matrix(f, d)]);
      tensors.push([`${q}.w3.weight`, [f, d], matrix(f, d)]);
      tensors.push([`${q}.w2.weight`, [d, f], matrix(d, f)]);
    }
  }
  tensors.push(['model.norm.weight', [d], ones(d)]);
  tensors.push(['lm_head.weight', [vocab, d], matrix(vocab, d)]);
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors(tensors));
  return { dir, vocab, context };
}
