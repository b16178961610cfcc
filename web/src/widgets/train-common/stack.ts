// Geometry of the charts the training widgets draw in SVG: a stacked area of per-step expert
// loads and a plain line. Drawing only: the values come from the engine as they are.

/**
 * One closed SVG path per expert for a stacked area chart of `rows` ([step][E], each row's
 * shares stacked bottom to top in expert order). x spans `plannedSteps` so the chart fills as a
 * run goes on; y maps 0 → height and 1 → 0.
 */
export function stackedAreaPaths(rows: number[][], plannedSteps: number, width: number, height: number): string[] {
  if (rows.length === 0) return [];
  const E = rows[0].length;
  const span = Math.max(plannedSteps - 1, rows.length - 1, 1);
  const x = (i: number) => round((i / span) * width);
  const y = (v: number) => round(height - Math.min(Math.max(v, 0), 1) * height);
  // A single step still gets a visible sliver: repeat it half a step to the right.
  const pts = rows.length === 1 ? [rows[0], rows[0]] : rows;
  const xs = rows.length === 1 ? [0, x(0.5)] : pts.map((_, i) => x(i));
  const paths: string[] = [];
  const below = new Array<number>(pts.length).fill(0);
  for (let e = 0; e < E; e++) {
    const above = pts.map((r, i) => below[i] + (r[e] ?? 0));
    const top = pts.map((_, i) => `${xs[i]},${y(above[i])}`);
    const bottom = pts.map((_, i) => `${xs[i]},${y(below[i])}`).reverse();
    paths.push(`M${top.join('L')}L${bottom.join('L')}Z`);
    for (let i = 0; i < pts.length; i++) below[i] = above[i];
  }
  return paths;
}

/** An SVG polyline path of `values` over `plannedSteps`, y scaled to [0, max]. */
export function linePath(values: number[], plannedSteps: number, width: number, height: number, max: number): string {
  if (values.length === 0 || !(max > 0)) return '';
  const span = Math.max(plannedSteps - 1, values.length - 1, 1);
  return values
    .map((v, i) => `${i === 0 ? 'M' : 'L'}${round((i / span) * width)},${round(height - Math.min(Math.max(v / max, 0), 1) * height)}`)
    .join('');
}

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at least `v`. */
export function niceMax(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Index of the largest value (the lower index on ties), -1 for an empty list. */
export function argmax(values: ArrayLike<number>): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (best < 0 || values[i] > values[best]) best = i;
  return best;
}
