// A tiny ONNX writer (just the protobuf fields a graph of plain ops needs) and the MoE layer as an
// ONNX graph for onnxruntime-web. No Node or DOM APIs: runs in Node and in the page.
//
// What the peer graph does (opset 17), for x [T, d] with T dynamic:
//   logits = MatMul(x, Wgᵀ) [T, E] -> Softmax -> TopK(k) -> gates = values / ReduceSum(values)
//   out = zeros [T, d]; for each expert e (unrolled in the graph):
//     g_e   = ReduceSum(Where(ids == e, gates, 0), axis 1)      [T]    gate of e per token (0 if not chosen)
//     rows  = NonZero(g_e)                                       [n_e]  the tokens routed to e
//     x_e   = Gather(x, rows)                                    [n_e, d]
//     h     = MatMul(x_e, W1ᵀ_e); a = h · Sigmoid(h)             (swiglu: · MatMul(x_e, W3ᵀ_e))
//     y_e   = MatMul(a, W2ᵀ_e) · Gather(g_e, rows)               [n_e, d]
//     out   = ScatterND(out, rows, y_e, reduction = add)
// So it is sparse like the engine: each expert multiplies only its own tokens. Weights are stored
// pre-transposed ([in, out]), the layout MatMul wants.

// ---- protobuf wire format ----------------------------------------------------------------------
class Writer {
  constructor() {
    this.parts = [];
    this.length = 0;
  }
  bytes(u8) {
    this.parts.push(u8);
    this.length += u8.length;
  }
  varint(v) {
    let n = BigInt.asUintN(64, BigInt(v));
    const out = [];
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    this.bytes(Uint8Array.from(out));
  }
  tag(field, wire) {
    this.varint((field << 3) | wire);
  }
  int(field, v) {
    this.tag(field, 0);
    this.varint(v);
  }
  float(field, v) {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.bytes(b);
  }
  lenDelim(field, u8) {
    this.tag(field, 2);
    this.varint(u8.length);
    this.bytes(u8);
  }
  string(field, s) {
    this.lenDelim(field, new TextEncoder().encode(s));
  }
  message(field, build) {
    const w = new Writer();
    build(w);
    this.lenDelim(field, w.finish());
  }
  finish() {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

export const FLOAT = 1;
export const INT64 = 7;

// TensorProto: dims 1, data_type 2, name 8, raw_data 9
function tensor(w, name, dims, type, data) {
  for (const d of dims) w.int(1, d);
  w.int(2, type);
  w.string(8, name);
  const raw =
    type === FLOAT
      ? new Uint8Array(Float32Array.from(data).buffer)
      : new Uint8Array(BigInt64Array.from(data, (v) => BigInt(v)).buffer);
  w.lenDelim(9, raw);
}

// ValueInfoProto: name 1, type 2 { tensor_type 1 { elem_type 1, shape 2 { dim 1 { value 1 | param 2 } } } }
function valueInfo(w, name, elemType, dims) {
  w.string(1, name);
  w.message(2, (t) =>
    t.message(1, (tt) => {
      tt.int(1, elemType);
      if (dims) {
        tt.message(2, (s) => {
          for (const d of dims) s.message(1, (dm) => (typeof d === 'string' ? dm.string(2, d) : dm.int(1, d)));
        });
      }
    }),
  );
}

// AttributeProto: name 1, f 2, i 3, ints 8, type 20 (FLOAT 1, INT 2, STRING 3, INTS 7)
function attribute(w, name, value) {
  w.string(1, name);
  if (Array.isArray(value)) {
    for (const v of value) w.int(8, v);
    w.int(20, 7);
  } else if (typeof value === 'string') {
    w.lenDelim(4, new TextEncoder().encode(value));
    w.int(20, 3);
  } else if (Number.isInteger(value)) {
    w.int(3, value);
    w.int(20, 2);
  } else {
    w.float(2, value);
    w.int(20, 1);
  }
}

/** Builds a ModelProto (bytes) from {nodes, initializers, inputs, outputs}. */
export function buildModel({ nodes, initializers, inputs, outputs, opset = 17 }) {
  const m = new Writer();
  m.int(1, 8); // ir_version
  m.string(2, 'moe-tutor-bench');
  m.message(7, (g) => {
    nodes.forEach((n, i) =>
      g.message(1, (nw) => {
        for (const s of n.inputs) nw.string(1, s);
        for (const s of n.outputs) nw.string(2, s);
        nw.string(3, `${n.op}_${i}`);
        nw.string(4, n.op);
        for (const [k, v] of Object.entries(n.attrs ?? {})) nw.message(5, (a) => attribute(a, k, v));
      }),
    );
    g.string(2, 'moe');
    for (const t of initializers) g.message(5, (tw) => tensor(tw, t.name, t.dims, t.type ?? FLOAT, t.data));
    for (const v of inputs) g.message(11, (vw) => valueInfo(vw, v.name, v.type ?? FLOAT, v.dims));
    for (const v of outputs) g.message(12, (vw) => valueInfo(vw, v.name, v.type ?? FLOAT, v.dims));
  });
  m.message(8, (o) => {
    o.string(1, '');
    o.int(2, opset);
  });
  return m.finish();
}

/** w [rows, cols] (torch layout) -> wᵀ [cols, rows] */
export function transpose(w, rows, cols) {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; ++r) for (let c = 0; c < cols; ++c) t[c * rows + r] = w[r * cols + c];
  return t;
}

/**
 * Appends one sparse MoE block (see the top of this file) to a graph under construction: reads
 * `x` [T, d], writes `y` [T, d]; every name it adds starts with `p`. `node(op, inputs, outputs,
 * attrs)` adds a node, `inits` collects initializers.
 * weights: {router [E*d], experts: [{w1 [f*d], w2 [d*f], w3? [f*d]}]} in torch layout.
 */
export function appendMoeBlock({ node, inits, p = '', x, y }, { d, f, E, k, swiglu }, weights) {
  inits.push({ name: `${p}WgT`, dims: [d, E], data: transpose(weights.router, E, d) });
  inits.push({ name: `${p}axis1`, dims: [1], type: INT64, data: [1] });
  inits.push({ name: `${p}K`, dims: [1], type: INT64, data: [k] });
  inits.push({ name: `${p}zero`, dims: [], data: [0] });
  inits.push({ name: `${p}flat`, dims: [1], type: INT64, data: [-1] });
  node('MatMul', [x, `${p}WgT`], [`${p}logits`]);
  node('Softmax', [`${p}logits`], [`${p}probs`], { axis: -1 });
  node('TopK', [`${p}probs`, `${p}K`], [`${p}topv`, `${p}topi`], { axis: -1 });
  node('ReduceSum', [`${p}topv`, `${p}axis1`], [`${p}topsum`], { keepdims: 1 });
  node('Div', [`${p}topv`, `${p}topsum`], [`${p}gates`]);
  node('Shape', [x], [`${p}xshape`]);
  node('ConstantOfShape', [`${p}xshape`], [`${p}out_0`]); // zeros [T, d] (the default value is a float 0)
  for (let e = 0; e < E; ++e) {
    const ex = weights.experts[e];
    const n = (s) => `${p}${s}_${e}`;
    inits.push({ name: n('e'), dims: [], type: INT64, data: [e] });
    inits.push({ name: n('W1T'), dims: [d, f], data: transpose(ex.w1, f, d) });
    inits.push({ name: n('W2T'), dims: [f, d], data: transpose(ex.w2, d, f) });
    if (swiglu) inits.push({ name: n('W3T'), dims: [d, f], data: transpose(ex.w3, f, d) });
    node('Equal', [`${p}topi`, n('e')], [n('is')]);
    node('Where', [n('is'), `${p}gates`, `${p}zero`], [n('gsel')]);
    node('ReduceSum', [n('gsel'), `${p}axis1`], [n('g')], { keepdims: 0 }); // [T]
    node('NonZero', [n('g')], [n('nz')]); // [1, n_e]
    node('Reshape', [n('nz'), `${p}flat`], [n('rows')]); // [n_e]
    node('Transpose', [n('nz')], [n('rows2')], {}); // [n_e, 1]
    node('Gather', [x, n('rows')], [n('xe')], { axis: 0 });
    node('MatMul', [n('xe'), n('W1T')], [n('h')]);
    node('Sigmoid', [n('h')], [n('sig')]);
    node('Mul', [n('h'), n('sig')], [n('act')]);
    let a = n('act');
    if (swiglu) {
      node('MatMul', [n('xe'), n('W3T')], [n('up')]);
      node('Mul', [n('act'), n('up')], [n('act2')]);
      a = n('act2');
    }
    node('MatMul', [a, n('W2T')], [n('ye')]);
    node('Gather', [n('g'), n('rows')], [n('ge')], { axis: 0 });
    node('Unsqueeze', [n('ge'), `${p}axis1`], [n('ge2')]);
    node('Mul', [n('ye'), n('ge2')], [n('yg')]);
    node('ScatterND', [`${p}out_${e}`, n('rows2'), n('yg')], [`${p}out_${e + 1}`], { reduction: 'add' });
  }
  node('Identity', [`${p}out_${E}`], [y]);
}

/**
 * The same block computed densely, for a handful of tokens (one-token decode): every expert runs
 * on every row and the gates of the experts not chosen are 0, so the block is 18 nodes instead
 * of 7 + 17 per expert: fewer nodes to dispatch for one row. Same reads and writes as
 * appendMoeBlock; SwiGLU or SiLU-MLP experts.
 *   G = ScatterElements(zeros [T, E], topi, gates, axis 1)          [T, E]  renormalised gates
 *   Y = Σ_e G[:, e] · (silu(x·W1ᵀ_e) (· x·W3ᵀ_e)) · W2ᵀ_e          as batched MatMuls over [E, T, ·]
 */
export function appendDenseMoeBlock({ node, inits, p = '', x, y }, { d, f, E, k, swiglu }, weights) {
  const stack = (pick, rows, cols) => {
    const out = new Float32Array(E * rows * cols);
    weights.experts.forEach((ex, e) => out.set(transpose(pick(ex), cols, rows), e * rows * cols));
    return out;
  };
  inits.push({ name: `${p}WgT`, dims: [d, E], data: transpose(weights.router, E, d) });
  inits.push({ name: `${p}axis1`, dims: [1], type: INT64, data: [1] });
  inits.push({ name: `${p}axis0`, dims: [1], type: INT64, data: [0] });
  inits.push({ name: `${p}K`, dims: [1], type: INT64, data: [k] });
  inits.push({ name: `${p}W1T`, dims: [E, d, f], data: stack((ex) => ex.w1, d, f) });
  inits.push({ name: `${p}W2T`, dims: [E, f, d], data: stack((ex) => ex.w2, f, d) });
  if (swiglu) inits.push({ name: `${p}W3T`, dims: [E, d, f], data: stack((ex) => ex.w3, d, f) });
  node('MatMul', [x, `${p}WgT`], [`${p}logits`]);
  node('Softmax', [`${p}logits`], [`${p}probs`], { axis: -1 });
  node('TopK', [`${p}probs`, `${p}K`], [`${p}topv`, `${p}topi`], { axis: -1 });
  node('ReduceSum', [`${p}topv`, `${p}axis1`], [`${p}topsum`], { keepdims: 1 });
  node('Div', [`${p}topv`, `${p}topsum`], [`${p}gates`]);
  node('Sub', [`${p}probs`, `${p}probs`], [`${p}zeros`]); // [T, E] zeros
  node('ScatterElements', [`${p}zeros`, `${p}topi`, `${p}gates`], [`${p}G`], { axis: 1 });
  node('Unsqueeze', [x, `${p}axis0`], [`${p}x3`]); // [1, T, d]
  node('MatMul', [`${p}x3`, `${p}W1T`], [`${p}h`]); // [E, T, f]
  node('Sigmoid', [`${p}h`], [`${p}sig`]);
  node('Mul', [`${p}h`, `${p}sig`], [`${p}act`]);
  let a = `${p}act`;
  if (swiglu) {
    node('MatMul', [`${p}x3`, `${p}W3T`], [`${p}up`]);
    node('Mul', [`${p}act`, `${p}up`], [`${p}act2`]);
    a = `${p}act2`;
  }
  node('MatMul', [a, `${p}W2T`], [`${p}ye`]); // [E, T, d]
  node('Transpose', [`${p}G`], [`${p}GT`], { perm: [1, 0] }); // [E, T]
  node('Unsqueeze', [`${p}GT`, `${p}axis1`], [`${p}G3`]); // [E, T, 1]
  node('Mul', [`${p}ye`, `${p}G3`], [`${p}yg`]);
  node('ReduceSum', [`${p}yg`, `${p}axis0`], [y], { keepdims: 0 }); // [T, d]
}

/** The MoE layer alone as an ONNX graph: x [T, d] -> y [T, d] (see the top of this file). */
export function moeOnnxModel(L, weights) {
  const nodes = [];
  const inits = [];
  const node = (op, inputs, outputs, attrs) => nodes.push({ op, inputs, outputs, attrs });
  appendMoeBlock({ node, inits, x: 'x', y: 'y' }, L, weights);
  return buildModel({
    nodes,
    initializers: inits,
    inputs: [{ name: 'x', dims: ['T', L.d] }],
    outputs: [{ name: 'y', dims: ['T', L.d] }],
  });
}
