// The sentences lm-routing-stats writes under its tables (web/src/widgets/lm-routing-stats/
// summary.ts), on made-up numbers for each way the engine's could fall, and the corpus index
// reader (heldout.ts).
import { describe, expect, it } from 'vitest';
import type { LmAgreement } from '../../web/src/engine/lm-types';
import { agreementSummary, largestShareGap, nmiSummary, points } from '../../web/src/widgets/lm-routing-stats/summary';
import { fetchHeldout } from '../../web/src/widgets/lm-routing-stats/heldout';

function layer(first: number, chance: number): LmAgreement {
  return {
    pairs: 1000,
    first_choice: first,
    first_or_second: first + 0.3,
    uniform_first: 0.25,
    uniform_set: 0.833,
    chance_first: chance,
    chance_set: chance + 0.3,
    excess_first: first - chance,
    excess_set: first - chance,
  };
}

describe('lm-routing-stats summaries', () => {
  it('writes signed percentage points', () => {
    expect(points(0.031)).toBe('+3.1 pp');
    expect(points(-0.004)).toBe('\u22120.4 pp');
    expect(points(-0.0001)).toBe('+0.0 pp');
  });

  it('says nothing is left when every layer sits at its own-load chance', () => {
    const s = agreementSummary([layer(0.3, 0.299), layer(0.4, 0.398)], 'first');
    expect(s).toContain('repeats +5.0 pp to +15.0 pp more often than chance');
    expect(s).toContain('nothing is left');
  });

  it('names the layer with the most left over when some stays above chance', () => {
    const s = agreementSummary([layer(0.3, 0.299), layer(0.5, 0.35), layer(0.4, 0.37)], 'first');
    expect(s).toContain('2 of 3 layers stay more than half a point above chance; the most is layer 2, +15.0 pp (observed 50.0%, own-load chance 35.0%)');
  });

  it('says which label the experts track, whichever wins', () => {
    expect(nmiSummary([{ domain: 0.1, surface: 0.3 }, { domain: 0.2, surface: 0.25 }], 3)).toMatch(/^In every layer the expert says more about what kind of token it is/);
    expect(nmiSummary([{ domain: 0.4, surface: 0.3 }, { domain: 0.2, surface: 0.1 }], 3)).toMatch(/^In every layer the expert says more about the domain/);
    expect(nmiSummary([{ domain: 0.4, surface: 0.3 }, { domain: 0.2, surface: 0.5 }], 3)).toMatch(/^The surface class wins in 1 of 2 layers.* peaks in layer 1 \(0\.400\), with the surface class in layer 2 \(0\.500\)\.$/);
    expect(nmiSummary([{ domain: 0, surface: 0.2 }], 1)).toMatch(/^With one text there is no domain/);
  });

  it('finds the share furthest from k/E', () => {
    expect(largestShareGap([[0.5, 0.5, 0.5, 0.5], [0.9, 0.4, 0.4, 0.3]], 2)).toEqual({ domain: 1, expert: 0, gap: expect.closeTo(0.4, 9) as number });
  });
});

describe('held-out corpus fetch', () => {
  it('lists the domains in the CLI order and names a file that failed', async () => {
    const index = { domains: ['prose', 'code'].map((name) => ({ name, heldout: { file: `${name}/heldout.txt` }, train: { file: `${name}/train.txt` } })) };
    const ok = (async (url: string) => (url.endsWith('index.json') ? new Response(JSON.stringify(index)) : new Response(`text of ${url}`))) as unknown as typeof fetch;
    const got = await fetchHeldout('/c/', ok);
    expect(got.ok && got.value.map((t) => t.name)).toEqual(['code', 'prose']);
    const bad = (async (url: string) => (url.endsWith('index.json') ? new Response(JSON.stringify(index)) : new Response('', { status: 404 }))) as unknown as typeof fetch;
    const failed = await fetchHeldout('/c/', bad);
    expect(failed.ok ? '' : failed.error).toMatch(/heldout\.txt: HTTP 404/);
  });
});
