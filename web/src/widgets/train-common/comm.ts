// Bytes and memory for the "cheap to serve, costly to train" sheet. The engine has no function
// for these (its cost calculator counts parameters and FLOPs), so the few multiplications live
// here, each with its formula, and the widget prints the formula next to the number.

/** Bytes per stored value by number format. */
export const BYTES = { fp32: 4, bf16: 2, fp8: 1 } as const;
export type NumberFormat = keyof typeof BYTES;

/**
 * All-to-all traffic of expert parallelism for one pass over a batch, summed over MoE layers:
 * every token's hidden vector (d_model values) goes to each of its k experts (dispatch) and the
 * k results come back (combine):
 *   bytes = tokens · k · d_model · bytesPerValue · 2 · layers
 * A training step sends the same volume again backwards (gradients take the reverse route).
 * With experts spread evenly over `devices`, about (devices − 1)/devices of it leaves the device.
 */
export function expertParallelBytes(p: { tokens: number; topK: number; dModel: number; bytesPerValue: number; layers: number; devices: number }): {
  perForward: number;
  perTrainingStep: number;
  crossDeviceShare: number;
} {
  const perForward = p.tokens * p.topK * p.dModel * p.bytesPerValue * 2 * p.layers;
  return {
    perForward,
    perTrainingStep: 2 * perForward,
    crossDeviceShare: p.devices > 1 ? (p.devices - 1) / p.devices : 0,
  };
}

/**
 * Memory of the parameters (from the engine's total count):
 *   serving:  params · b                       (weights only, every expert stored)
 *   training: params · (b + b + 4 + 4)        (weights, gradients, Adam's two fp32 moments)
 */
export function parameterMemory(totalParams: number, bytesPerValue: number): { serving: number; training: number } {
  return { serving: totalParams * bytesPerValue, training: totalParams * (2 * bytesPerValue + 8) };
}

/** 1.5e9 → "1.50 GB" (decimal units). */
export function bytesText(n: number): string {
  const units: [number, string][] = [
    [1e12, 'TB'],
    [1e9, 'GB'],
    [1e6, 'MB'],
    [1e3, 'kB'],
  ];
  for (const [size, unit] of units) if (n >= size) return `${(n / size).toFixed(n / size >= 100 ? 0 : n / size >= 10 ? 1 : 2)} ${unit}`;
  return `${Math.round(n)} B`;
}
