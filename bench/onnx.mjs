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

const FLOAT = 1;
const INT64 = 7;

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

// AttributeProto: name 1, f 2, i 3, type 20 (FLOAT 1, INT 2, STRING 3)
function attribute(w, name, value) {
  w.string(1, name);
  if (typeof value === 'string') {
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
 * The MoE layer as an ONNX graph (see the top of this file).
 * weights: {router [E*d], experts: [{w1 [f*d], w2 [d*f], w3? [f*d]}]} in torch layout.
 */
export function moeOnnxModel({ d, f, E, k, swiglu }, weights) {
  const nodes = [];
  const inits = [];
  const node = (op, inputs, outputs, attrs) => nodes.push({ op, inputs, outputs, attrs });
  inits.push({ name: 'WgT', dims: [d, E], data: transpose(weights.router, E, d) });
  inits.push({ name: 'axis1', dims: [1], type: INT64, data: [1] });
  inits.push({ name: 'K', dims: [1], type: INT64, data: [k] });
  inits.push({ name: 'zero', dims: [], data: [0] });
  inits.push({ name: 'flat', dims: [1], type: INT64, data: [-1] });
  node('MatMul', ['x', 'WgT'], ['logits']);
  node('Softmax', ['logits'], ['probs'], { axis: -1 });
  node('TopK', ['probs', 'K'], ['topv', 'topi'], { axis: -1 });
  node('ReduceSum', ['topv', 'axis1'], ['topsum'], { keepdims: 1 });
  node('Div', ['topv', 'topsum'], ['gates']);
  node('Shape', ['x'], ['xshape']);
  node('ConstantOfShape', ['xshape'], ['out_0']); // zeros [T, d]
  for (let e = 0; e < E; ++e) {
    const x = weights.experts[e];
    inits.push({ name: `e${e}`, dims: [], type: INT64, data: [e] });
    inits.push({ name: `W1T_${e}`, dims: [d, f], data: transpose(x.w1, f, d) });
    inits.push({ name: `W2T_${e}`, dims: [f, d], data: transpose(x.w2, d, f) });
    if (swiglu) inits.push({ name: `W3T_${e}`, dims: [d, f], data: transpose(x.w3, f, d) });
    const n = (s) => `${s}_${e}`;
    node('Equal', ['topi', `e${e}`], [n('is')]);
    node('Where', [n('is'), 'gates', 'zero'], [n('gsel')]);
    node('ReduceSum', [n('gsel'), 'axis1'], [n('g')], { keepdims: 0 }); // [T]
    node('NonZero', [n('g')], [n('nz')]); // [1, n_e]
    node('Reshape', [n('nz'), 'flat'], [n('rows')]); // [n_e]
    node('Transpose', [n('nz')], [n('rows2')], {}); // [n_e, 1]
    node('Gather', ['x', n('rows')], [n('xe')], { axis: 0 });
    node('MatMul', [n('xe'), `W1T_${e}`], [n('h')]);
    node('Sigmoid', [n('h')], [n('sig')]);
    node('Mul', [n('h'), n('sig')], [n('act')]);
    let a = n('act');
    if (swiglu) {
      node('MatMul', [n('xe'), `W3T_${e}`], [n('up')]);
      node('Mul', [n('act'), n('up')], [n('act2')]);
      a = n('act2');
    }
    node('MatMul', [a, `W2T_${e}`], [n('ye')]);
    node('Gather', [n('g'), n('rows')], [n('ge')], { axis: 0 });
    node('Unsqueeze', [n('ge'), 'axis1'], [n('ge2')]);
    node('Mul', [n('ye'), n('ge2')], [n('yg')]);
    node('ScatterND', [`out_${e}`, n('rows2'), n('yg')], [`out_${e + 1}`], { reduction: 'add' });
  }
  node('Identity', [`out_${E}`], ['y']);
  // ConstantOfShape's default value is a float 0 tensor: exactly what out_0 needs.
  return buildModel({
    nodes,
    initializers: inits,
    inputs: [{ name: 'x', dims: ['T', d] }],
    outputs: [{ name: 'y', dims: ['T', d] }],
  });
}
