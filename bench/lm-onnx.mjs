// The shipped language model (config.json + model.safetensors, Hugging Face Mixtral names) as
// ONNX graphs for onnxruntime-web, built at bench time from the same file our engine loads. No
// Node or DOM APIs: runs in Node and in the page. Opset 17, one sequence (B = 1), rows t of T:
//
//   x = Gather(embed, input_ids)                                  [T, d]
//   per layer:
//     h = rmsnorm(x) = x · 1/sqrt(mean(x²) + eps) · w              [T, d]
//     q = h·Wqᵀ → [H, T, hd], k = h·Wkᵀ, v = h·Wvᵀ → [KV, T, hd]
//     RoPE (rotate_half): q' = q·cos + cat(−q₂, q₁)·sin, the same for k; cos, sin [T, hd] are
//       rows position_ids of tables computed here (inv_freq = theta^(−2i/hd), angles repeated)
//     decode graph: k = Concat(past_k, k'), v = Concat(past_v, v) on the position axis
//     GQA: each kv head serves H / KV query heads (Expand)
//     a = Softmax(q'·kᵀ / sqrt(hd) + mask) · v → [T, H·hd]; x = x + a·Woᵀ
//     x = x + moe_block(rmsnorm(x))                                onnx.mjs appendMoeBlock (SwiGLU)
//   logits = rmsnorm(x) · lm_headᵀ                                 [T, V]
//
// Prefill graph: input_ids, position_ids [T] (int64), attn_mask [T, T] (0 or −1e9: causal);
// outputs logits [T, V] and present_k_l / present_v_l [KV, T, hd] per layer.
// Decode graph: the same for one new row, plus inputs past_k_l / past_v_l [KV, P, hd] and no mask
// (the new row sees every earlier position); presents are [KV, P + 1, hd].
import { INT64, appendDenseMoeBlock, appendMoeBlock, buildModel, transpose } from './onnx.mjs';

/** IEEE half (bits) -> float */
function halfToFloat(h) {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * Reads a safetensors file (8-byte little-endian header length, JSON header, raw data) into
 * {name: {shape, data: Float32Array}}; F32, F16 and BF16 tensors.
 */
export function readSafetensors(bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(u8.subarray(8, 8 + n)));
  const base = 8 + n;
  const out = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [b, e] = t.data_offsets;
    const count = t.shape.reduce((a, v) => a * v, 1);
    const data = new Float32Array(count);
    const at = base + b;
    if (t.dtype === 'F32') {
      for (let i = 0; i < count; ++i) data[i] = dv.getFloat32(at + 4 * i, true);
    } else if (t.dtype === 'F16') {
      for (let i = 0; i < count; ++i) data[i] = halfToFloat(dv.getUint16(at + 2 * i, true));
    } else if (t.dtype === 'BF16') {
      const u32 = new Uint32Array(1);
      const f32 = new Float32Array(u32.buffer);
      for (let i = 0; i < count; ++i) {
        u32[0] = dv.getUint16(at + 2 * i, true) << 16;
        data[i] = f32[0];
      }
    } else {
      throw new Error(`safetensors: ${name}: dtype ${t.dtype} is not read here`);
    }
    if (e - b !== count * (t.dtype === 'F32' ? 4 : 2)) throw new Error(`safetensors: ${name}: data_offsets do not match its shape`);
    out[name] = { shape: t.shape, data };
  }
  return out;
}

/** The sizes the graphs need, from a parsed config.json (MixtralConfig names). */
export function lmShape(config) {
  const d = config.hidden_size;
  const H = config.num_attention_heads;
  return {
    V: config.vocab_size, d, f: config.intermediate_size, L: config.num_hidden_layers, H,
    KV: config.num_key_value_heads ?? H, hd: config.head_dim ?? d / H,
    E: config.num_local_experts, k: config.num_experts_per_tok,
    maxPos: config.max_position_embeddings, theta: config.rope_theta ?? 10000, eps: config.rms_norm_eps ?? 1e-5,
  };
}

/**
 * Matmul flops of one sequence's forward over rows pos0 .. pos0+T−1 (the model's matmuls only:
 * projections, router, the k chosen SwiGLU experts, attention scores and values over the
 * causal prefix, lm_head): what "% of peak" divides by.
 */
export function lmMatmulFlops(s, T, pos0 = 0) {
  const perRow = s.L * (2 * s.d * s.H * s.hd * 2 + 2 * 2 * s.d * s.KV * s.hd + 2 * s.d * s.E + s.k * 3 * 2 * s.d * s.f) + 2 * s.d * s.V;
  let keys = 0; // Σ over rows of the positions each row attends to
  for (let t = 0; t < T; ++t) keys += pos0 + t + 1;
  return T * perRow + s.L * 2 * 2 * s.H * s.hd * keys;
}

/** RoPE tables [maxPos, hd]: angle(p, i) = p · theta^(−2(i mod hd/2)/hd), the halves repeated. */
function ropeTables({ hd, maxPos, theta }) {
  const cos = new Float32Array(maxPos * hd);
  const sin = new Float32Array(maxPos * hd);
  for (let p = 0; p < maxPos; ++p) {
    for (let i = 0; i < hd; ++i) {
      const invFreq = Math.fround(1 / theta ** ((2 * (i % (hd / 2))) / hd));
      const a = Math.fround(p * invFreq);
      cos[p * hd + i] = Math.cos(a);
      sin[p * hd + i] = Math.sin(a);
    }
  }
  return { cos, sin };
}

/** The causal mask input of the prefill graph: [T, T], 0 where s <= t, −1e9 above. */
export function causalMask(T) {
  const m = new Float32Array(T * T);
  for (let t = 0; t < T; ++t) for (let s = t + 1; s < T; ++s) m[t * T + s] = -1e9;
  return m;
}

/**
 * Builds the prefill (`decode` false) or the decode graph (see the top of this file) from the
 * parsed config and readSafetensors' tensors; `denseExperts`: the MoE blocks of
 * onnx.mjs appendDenseMoeBlock (every expert on every row, for one-token decode). Returns the
 * ModelProto bytes.
 */
export function lmOnnxModel(config, tensors, { decode, denseExperts = false }) {
  const s = lmShape(config);
  const { V, d, f, L, H, KV, hd, E, k } = s;
  const nodes = [];
  const inits = [];
  const node = (op, inputs, outputs, attrs) => nodes.push({ op, inputs, outputs, attrs });
  const w = (name) => {
    const t = tensors[name];
    if (!t) throw new Error(`model.safetensors: no tensor ${name}`);
    return t.data;
  };
  // torch [out, in] -> an initializer [in, out] for MatMul
  const linear = (name, tensor, outDim, inDim) => inits.push({ name, dims: [inDim, outDim], data: transpose(w(tensor), outDim, inDim) });
  const rope = ropeTables(s);
  inits.push({ name: 'embed', dims: [V, d], data: w('model.embed_tokens.weight') });
  inits.push({ name: 'cos_table', dims: [s.maxPos, hd], data: rope.cos });
  inits.push({ name: 'sin_table', dims: [s.maxPos, hd], data: rope.sin });
  inits.push({ name: 'last', dims: [1], type: INT64, data: [-1] });
  inits.push({ name: 'inv_d', dims: [], data: [1 / d] });
  inits.push({ name: 'eps', dims: [], data: [s.eps] });
  inits.push({ name: 'scale', dims: [], data: [1 / Math.sqrt(hd)] });
  inits.push({ name: 'shape_q', dims: [3], type: INT64, data: [-1, H, hd] });
  inits.push({ name: 'shape_kv', dims: [3], type: INT64, data: [-1, KV, hd] });
  inits.push({ name: 'shape_rows', dims: [2], type: INT64, data: [-1, H * hd] });
  const rep = H / KV;
  if (rep > 1) inits.push({ name: 'kv_expand', dims: [4], type: INT64, data: [KV, rep, 1, 1] });

  // y = x · 1/sqrt(mean_i x_i² + eps) · weight, over the last axis
  const rmsnorm = (x, weightName, y) => {
    inits.push({ name: `${y}_w`, dims: [d], data: w(weightName) });
    node('Mul', [x, x], [`${y}_sq`]);
    node('ReduceSum', [`${y}_sq`, 'last'], [`${y}_sum`], { keepdims: 1 });
    node('Mul', [`${y}_sum`, 'inv_d'], [`${y}_ms`]);
    node('Add', [`${y}_ms`, 'eps'], [`${y}_var`]);
    node('Sqrt', [`${y}_var`], [`${y}_rms`]);
    node('Reciprocal', [`${y}_rms`], [`${y}_inv`]);
    node('Mul', [x, `${y}_inv`], [`${y}_n`]);
    node('Mul', [`${y}_n`, `${y}_w`], [y]);
  };
  // [rows, heads·hd] -> [heads, rows, hd]
  const heads = (x, shape, y) => {
    node('Reshape', [x, shape], [`${y}_r`]);
    node('Transpose', [`${y}_r`], [y], { perm: [1, 0, 2] });
  };
  // x·cos + rotate_half(x)·sin, rotate_half(x) = cat(−x[..., hd/2:], x[..., :hd/2])
  const ropeApply = (x, y) => {
    node('Split', [x], [`${y}_x1`, `${y}_x2`], { axis: 2 });
    node('Neg', [`${y}_x2`], [`${y}_nx2`]);
    node('Concat', [`${y}_nx2`, `${y}_x1`], [`${y}_rot`], { axis: 2 });
    node('Mul', [x, 'cos'], [`${y}_c`]);
    node('Mul', [`${y}_rot`, 'sin'], [`${y}_s`]);
    node('Add', [`${y}_c`, `${y}_s`], [y]);
  };
  // [KV, S, hd] -> [H, S, hd], kv head j serving query heads j·rep .. j·rep + rep − 1
  const expandKv = (x, y) => {
    if (rep === 1) return x;
    inits.push({ name: `${y}_shape`, dims: [3], type: INT64, data: [H, -1, hd] });
    node('Unsqueeze', [x, 'one'], [`${y}_u`]);
    node('Expand', [`${y}_u`, 'kv_expand'], [`${y}_e`]);
    node('Reshape', [`${y}_e`, `${y}_shape`], [y]);
    return y;
  };
  if (rep > 1) inits.push({ name: 'one', dims: [1], type: INT64, data: [1] });

  node('Gather', ['embed', 'input_ids'], ['x_0'], { axis: 0 });
  node('Gather', ['cos_table', 'position_ids'], ['cos'], { axis: 0 }); // [T, hd]
  node('Gather', ['sin_table', 'position_ids'], ['sin'], { axis: 0 });
  const outputs = [{ name: 'logits', dims: ['T', V] }];
  const inputs = [
    { name: 'input_ids', type: INT64, dims: ['T'] },
    { name: 'position_ids', type: INT64, dims: ['T'] },
  ];
  if (!decode) inputs.push({ name: 'attn_mask', dims: ['T', 'T'] });
  for (let l = 0; l < L; ++l) {
    const p = `l${l}_`;
    const pre = `model.layers.${l}.`;
    rmsnorm(`x_${l}`, `${pre}input_layernorm.weight`, `${p}h`);
    linear(`${p}WqT`, `${pre}self_attn.q_proj.weight`, H * hd, d);
    linear(`${p}WkT`, `${pre}self_attn.k_proj.weight`, KV * hd, d);
    linear(`${p}WvT`, `${pre}self_attn.v_proj.weight`, KV * hd, d);
    linear(`${p}WoT`, `${pre}self_attn.o_proj.weight`, d, H * hd);
    node('MatMul', [`${p}h`, `${p}WqT`], [`${p}q2`]);
    node('MatMul', [`${p}h`, `${p}WkT`], [`${p}k2`]);
    node('MatMul', [`${p}h`, `${p}WvT`], [`${p}v2`]);
    heads(`${p}q2`, 'shape_q', `${p}q3`);
    heads(`${p}k2`, 'shape_kv', `${p}k3`);
    heads(`${p}v2`, 'shape_kv', `${p}v3`);
    ropeApply(`${p}q3`, `${p}q`);
    ropeApply(`${p}k3`, `${p}knew`);
    let kAll = `${p}knew`;
    let vAll = `${p}v3`;
    if (decode) {
      inputs.push({ name: `past_k_${l}`, dims: [KV, 'P', hd] }, { name: `past_v_${l}`, dims: [KV, 'P', hd] });
      node('Concat', [`past_k_${l}`, `${p}knew`], [`present_k_${l}`], { axis: 1 });
      node('Concat', [`past_v_${l}`, `${p}v3`], [`present_v_${l}`], { axis: 1 });
    } else {
      node('Identity', [`${p}knew`], [`present_k_${l}`]);
      node('Identity', [`${p}v3`], [`present_v_${l}`]);
    }
    kAll = expandKv(`present_k_${l}`, `${p}kx`);
    vAll = expandKv(`present_v_${l}`, `${p}vx`);
    outputs.push({ name: `present_k_${l}`, dims: [KV, 'S', hd] }, { name: `present_v_${l}`, dims: [KV, 'S', hd] });
    node('Transpose', [kAll], [`${p}kT`], { perm: [0, 2, 1] }); // [H, hd, S]
    node('MatMul', [`${p}q`, `${p}kT`], [`${p}sc0`]); // [H, T, S]
    node('Mul', [`${p}sc0`, 'scale'], [`${p}sc1`]);
    let scores = `${p}sc1`;
    if (!decode) {
      node('Add', [`${p}sc1`, 'attn_mask'], [`${p}sc2`]);
      scores = `${p}sc2`;
    }
    node('Softmax', [scores], [`${p}pr`], { axis: -1 });
    node('MatMul', [`${p}pr`, vAll], [`${p}att3`]); // [H, T, hd]
    node('Transpose', [`${p}att3`], [`${p}att2`], { perm: [1, 0, 2] });
    node('Reshape', [`${p}att2`, 'shape_rows'], [`${p}att`]); // [T, H·hd]
    node('MatMul', [`${p}att`, `${p}WoT`], [`${p}ao`]);
    node('Add', [`x_${l}`, `${p}ao`], [`${p}mid`]);
    rmsnorm(`${p}mid`, `${pre}post_attention_layernorm.weight`, `${p}m`);
    const moe = `${pre}block_sparse_moe.`;
    (denseExperts ? appendDenseMoeBlock : appendMoeBlock)({ node, inits, p: `${p}moe_`, x: `${p}m`, y: `${p}mo` }, { d, f, E, k, swiglu: 1 }, {
      router: w(`${moe}gate.weight`),
      experts: Array.from({ length: E }, (_, e) => ({
        w1: w(`${moe}experts.${e}.w1.weight`),
        w2: w(`${moe}experts.${e}.w2.weight`),
        w3: w(`${moe}experts.${e}.w3.weight`),
      })),
    });
    node('Add', [`${p}mid`, `${p}mo`], [`x_${l + 1}`]);
  }
  rmsnorm(`x_${L}`, 'model.norm.weight', 'final');
  linear('lm_headT', 'lm_head.weight', V, d);
  node('MatMul', ['final', 'lm_headT'], ['logits']);
  return buildModel({ nodes, initializers: inits, inputs, outputs });
}

