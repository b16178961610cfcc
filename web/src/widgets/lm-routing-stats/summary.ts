// The sentences lm-routing-stats writes under its tables, decided from the engine's numbers so the
// prose holds whichever way they fall. Pure functions (vitest: tests/web/lm-routing-stats.test.ts).
import type { LmAgreement } from '../../engine';
import { percent } from '../format';

/** Index of the largest value (first on ties). */
export function argmax(values: number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Percentage points, signed: +3.1 pp, −0.4 pp. */
export function points(x: number): string {
  const v = (x * 100).toFixed(1);
  return `${x < 0 && v !== '-0.0' ? '\u2212' : '+'}${v.replace('-', '')} pp`;
}

/**
 * What is left of consecutive agreement once each layer's own loads are accounted for, over all
 * layers (layers count from 1 in the text).
 */
export function agreementSummary(layers: LmAgreement[], which: 'first' | 'set'): string {
  const excess = layers.map((a) => (which === 'first' ? a.excess_first : a.excess_set));
  const observed = layers.map((a) => (which === 'first' ? a.first_choice : a.first_or_second));
  const uniform = layers.map((a) => (which === 'first' ? a.uniform_first : a.uniform_set));
  const top = argmax(excess);
  const above = excess.filter((e) => e > 0.005).length;
  const overUniform = observed.map((o, l) => o - uniform[l]);
  const what = which === 'first' ? 'first choice' : 'first-or-second choice';
  const lead = `Against the uniform router, the ${what} repeats ${points(Math.min(...overUniform))} to ${points(Math.max(...overUniform))} more often than chance.`;
  if (above === 0) {
    return `${lead} Against each layer's own loads nothing is left: no layer repeats more than half a point above its own chance level, so the stickiness here is explained by uneven loads.`;
  }
  return `${lead} Against each layer's own loads, ${above} of ${layers.length} layers stay more than half a point above chance; the most is layer ${top + 1}, ${points(excess[top])} (observed ${percent(observed[top])}, own-load chance ${percent(observed[top] - excess[top])}).`;
}

/** Which label the first-choice expert tells more about, layer by layer. */
export function nmiSummary(nmi: { domain: number; surface: number }[], domains: number): string {
  if (domains < 2) {
    const top = argmax(nmi.map((n) => n.surface));
    return `With one text there is no domain to tell apart, so NMI with the domain is 0. NMI with the surface class is highest in layer ${top + 1} (${nmi[top].surface.toFixed(3)}).`;
  }
  const surfaceWins = nmi.filter((n) => n.surface > n.domain).length;
  const d = argmax(nmi.map((n) => n.domain));
  const s = argmax(nmi.map((n) => n.surface));
  const verdict =
    surfaceWins === nmi.length
      ? 'In every layer the expert says more about what kind of token it is than about which domain it came from.'
      : surfaceWins === 0
        ? 'In every layer the expert says more about the domain than about what kind of token it is.'
        : `The surface class wins in ${surfaceWins} of ${nmi.length} layers, the domain in the others.`;
  return `${verdict} NMI with the domain peaks in layer ${d + 1} (${nmi[d].domain.toFixed(3)}), with the surface class in layer ${s + 1} (${nmi[s].surface.toFixed(3)}).`;
}

/** How far a domain's expert shares stray from uniform (k/E each): the largest gap, in points. */
export function largestShareGap(shares: number[][], k: number): { domain: number; expert: number; gap: number } {
  let best = { domain: 0, expert: 0, gap: 0 };
  for (const [d, row] of shares.entries()) {
    for (const [e, s] of row.entries()) {
      const gap = s - k / row.length;
      if (Math.abs(gap) > Math.abs(best.gap)) best = { domain: d, expert: e, gap };
    }
  }
  return best;
}
