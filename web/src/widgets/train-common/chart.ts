// Scales and shapes of the training charts, on d3-scale and d3-shape: the expert load of each
// step as stacked bands, and a loss per step as a line. Drawing only: the values are the engine's.
// The x axis counts training steps. Step s (1-based) is drawn over [s - 1, s], so a run's first
// step is already visible and the axis ends at the planned step count, filling as the run goes on.
import { scaleLinear, type ScaleLinear } from 'd3-scale';
import { area, curveStepAfter, line, stack, type SeriesPoint } from 'd3-shape';

export type Scale = ScaleLinear<number, number>;

/** The plot area inside the axes, in px; the axes' labels live in the margins. */
export interface Margins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** x: steps 0 … max(planned, done), onto [0, width]. */
export function stepScale(plannedSteps: number, stepsDone: number, width: number): Scale {
  return scaleLinear()
    .domain([0, Math.max(plannedSteps, stepsDone, 1)])
    .range([0, width]);
}

/** y: 0 … `max` onto [height, 0] (up is more); values outside are clamped to the plot. */
export function valueScale(max: number, height: number): Scale {
  return scaleLinear()
    .domain([0, max > 0 && Number.isFinite(max) ? max : 1])
    .range([height, 0])
    .clamp(true);
}

/** The upper end of a loss axis: the largest value, rounded up to the axis' next tick (d3 nice). */
export function lossAxisMax(values: readonly number[], ticks: number): number {
  const max = values.reduce((m, v) => (v > m ? v : m), 0);
  return max > 0 ? scaleLinear().domain([0, max]).nice(ticks).domain()[1] : 1;
}

type Step = { step: number; values: readonly number[] };

/** Each row at its step's left edge, and the last row again at its right edge (curveStepAfter holds a value until the next). */
function stepPoints(rows: readonly (readonly number[])[]): Step[] {
  if (rows.length === 0) return [];
  return [...rows.map((values, step) => ({ step, values })), { step: rows.length, values: rows[rows.length - 1] }];
}

/**
 * One SVG path per expert for the stacked load chart: `rows` is [step][E], each row the share
 * of that step's (token, slot) pairs per expert; the bands stack bottom to top in expert order
 * (d3 stack), so together they fill the height.
 */
export function loadBandPaths(rows: readonly (readonly number[])[], numExperts: number, x: Scale, y: Scale): string[] {
  const points = stepPoints(rows);
  if (points.length === 0) return [];
  const keys = Array.from({ length: numExperts }, (_, e) => e);
  const series = stack<Step, number>()
    .keys(keys)
    .value((d, e) => Math.max(d.values[e] ?? 0, 0))(points);
  const band = area<SeriesPoint<Step>>()
    .x((p) => x(p.data.step))
    .y0((p) => y(p[0]))
    .y1((p) => y(p[1]))
    .curve(curveStepAfter);
  return series.map((s) => band(s) ?? '');
}

/** An SVG path of one value per step (`values` [steps]), each held across its step. */
export function stepLinePath(values: readonly number[], x: Scale, y: Scale): string {
  const points = stepPoints(values.map((v) => [v]));
  return (
    line<Step>()
      .x((p) => x(p.step))
      .y((p) => y(p.values[0]))
      .curve(curveStepAfter)(points) ?? ''
  );
}
