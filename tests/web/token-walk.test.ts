// The token-walk widget's words: verdicts and explanations are built from the
// trace's numbers (here a hand-made trace), and formatting is honest.
import { describe, expect, it } from 'vitest';
import { judgePrediction, layerSpec } from '../../web/src/widgets/token-walk/walk';
import type { WalkRun } from '../../web/src/widgets/token-walk/walk';
import { tokenWalkParams } from '../../web/src/widgets/token-walk/params';
import { fmt, possessive } from '../../web/src/widgets/format';

const names = ['Numbers', 'Punctuation', 'Names', 'Long words'];
const featureNames = ['digit', 'punct', 'capital', 'length', 'vowels', 'position', 'function_word', 'bias'];

// "1843": Numbers and Long words win; Punctuation loses on the length term.
function run(): WalkRun {
  const E = 4;
  const contributions = new Float32Array(8 * E);
  const set = (f: number, terms: number[]) => terms.forEach((v, e) => (contributions[f * E + e] = v));
  set(0, [3, -0.5, -0.5, 0]); // digit
  set(3, [0.12, -0.4, 0.2, 1.2]); // length
  set(7, [-0.5, -0.3, -0.5, -1]); // bias
  return {
    token: '1843',
    featureNames,
    features: new Float32Array([1, 0, 0, 0.4, 0, 0.11, 0, 1]),
    contributions,
    trace: {
      tokens: 1,
      d_model: 8,
      num_experts: 4,
      top_k: 2,
      router_logits: new Float32Array([2.62, -1.2, -0.8, 0.2]),
      router_probs: new Float32Array([0.8, 0.02, 0.05, 0.13]),
      topk_ids: new Int32Array([0, 3]),
      topk_weights: new Float32Array([0.86, 0.14]),
      expert_outputs: new Float32Array(16),
      output: new Float32Array(8),
      expert_load: new Int32Array([1, 0, 0, 1]),
    } as WalkRun['trace'],
  };
}

describe('judgePrediction', () => {
  it('confirms a right prediction with the two logits', () => {
    const verdict = judgePrediction(run(), [0, 3], names);
    expect(verdict.correct).toBe(true);
    expect(verdict.lines[0]).toContain('Numbers (2.62) and Long words (0.20)');
  });

  it('explains a wrong pick with the actual logits and the deciding feature', () => {
    const verdict = judgePrediction(run(), [0, 1], names);
    expect(verdict.correct).toBe(false);
    expect(verdict.lines).toEqual([
      'Numbers: right, it is in the top 2.',
      "You picked Punctuation, but its logit −1.20 is below Long words' logit 0.20: this token's length feature (0.40) adds 1.20 to Long words but −0.40 to Punctuation.",
    ]);
  });
});

describe('formatting', () => {
  it('uses a true minus sign and never shows −0.00', () => {
    expect(fmt(-1.2)).toBe('−1.20');
    expect(fmt(-0.001)).toBe('0.00');
    expect(fmt(0.5, 3)).toBe('0.500');
    expect(possessive('Long words')).toBe("Long words'");
    expect(possessive('Expert 2')).toBe("Expert 2's");
  });
});

describe('layerSpec', () => {
  it('turns lesson params into the engine layer the lesson describes', () => {
    const params = tokenWalkParams.parse({
      stage: 'logits',
      sentence: 'x',
      experts: ['A', 'B', 'C', 'D'],
      router: Array.from({ length: 4 }, () => Array(8).fill(0)),
      seed: 7,
    });
    expect(layerSpec(params)).toEqual({
      config: { d_model: 8, d_ff: 16, num_experts: 4, top_k: 2, router_kind: 'softmax_topk_renorm', activation: 'silu', expert_kind: 'mlp' },
      weights: { router: params.router },
      seed: 7,
    });
  });
});
