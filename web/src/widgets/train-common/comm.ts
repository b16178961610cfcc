// Number formats and byte formatting for the cost widgets. The byte counts themselves (all-to-all
// traffic, parameter memory) come from the engine: EngineCore.commVolume and trainingMemory.

/** Bytes per stored value by number format. */
export const BYTES = { fp32: 4, bf16: 2, fp8: 1 } as const;
export type NumberFormat = keyof typeof BYTES;

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
