// The Phase 3 router lessons end to end: expert-choice-soft-moe (router-choice) and
// shared-fine-grained (shared-experts) in Chromium against the production build, completed with
// the keyboard only. Every engine number a widget shows is recomputed here with the same wasm
// engine in Node (EngineCore) for the same state.
import type { Locator, Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { loadLesson, loadPageEngine, ok, paramsOf, openLesson, widgetScreenshots } from './lesson-page';
import { rightAnswer, stepSection, tabTo, wrongAnswer } from './phase2';
import type { Lesson } from '../../web/src/lessons/types';
import type { CostReport, Trace } from '../../web/src/engine/types';
import { fmt, percent } from '../../web/src/widgets/format';
import { grouped } from '../../web/src/widgets/common/numbers';
import { capacityFactor } from '../../web/src/widgets/serving-common/serving';
import { ROUTERS, comparedSpec, countRange, expertCountText, expertRuns, expertsPerToken, weightsByExpert } from '../../web/src/widgets/router-choice/spec';
import type { RouterChoiceParams } from '../../web/src/widgets/router-choice/params';
import { combinations, countText, fineShape, fineSpec, outputParts, sigmoid, type FineShape } from '../../web/src/widgets/shared-experts/spec';
import type { SharedExpertsParams } from '../../web/src/widgets/shared-experts/params';

const routers = loadLesson('expert-choice-soft-moe');
const shared = loadLesson('shared-fine-grained');
const rc = paramsOf<RouterChoiceParams>(routers, 'router-choice');
const se = paramsOf<SharedExpertsParams>(shared, 'shared-experts');

/** What the router-choice summary and per-token table show for one router. */
type RouterRow = { runs: string; loads: string[]; unrouted: string; perToken: string; cells: string[]; counts: string[] };
type RouterView = { capacity: string; rows: Record<string, RouterRow> };
/** What the shared-experts tables show. */
type Counts = Record<'used' | 'per-expert' | 'active-experts' | 'router' | 'active' | 'total' | 'combos', string>;
type SharedView = { shape: FineShape; counts: Counts; ids: string[]; shares: string[]; gates: string[] };

const want = {
  cf2p1: {} as RouterView, // the lesson's default: capacity factor 2, one slot per expert
  cf05p3: {} as RouterView, // capacity factor 0.5, three slots per expert
  before: {} as Counts,
  m1: {} as SharedView,
  m4: {} as SharedView,
  m4s1: {} as SharedView,
  m4s1gated: {} as SharedView,
};

test.beforeAll(async () => {
  const core = await loadPageEngine();
  try {
    const route = (cfIndex: number, p: number): RouterView => {
      const emb = ok(core.embed(rc.sentence));
      const T = emb.tokens.length;
      const layer = { router: rc.router, topK: rc.top_k, dFf: rc.d_ff, seed: rc.seed, capacityFactor: capacityFactor(cfIndex), slotsPerExpert: p };
      const view: RouterView = { capacity: '', rows: {} };
      for (const { kind } of ROUTERS) {
        const tr = ok(core.forward(comparedSpec(kind, layer), emb.features, T));
        const w = weightsByExpert(kind, tr);
        const per = expertsPerToken(w);
        if (kind === 'expert_choice') view.capacity = String(tr.capacity);
        view.rows[kind] = {
          runs: String(expertRuns(kind, tr)),
          loads: kind === 'soft_moe' ? rc.experts.map(() => `${p} ${p === 1 ? 'slot' : 'slots'}`) : Array.from(tr.expert_load, String),
          unrouted: String(tr.stats.dropped_count),
          perToken: countRange(per),
          cells: w.flat().map((x) => (x === null ? '—' : fmt(x))),
          counts: per.map(expertCountText),
        };
      }
      return view;
    };
    want.cf2p1 = route(5, 1);
    want.cf05p3 = route(0, 3);
    // The lesson's claims, on the numbers the page will show.
    expect(want.cf2p1.rows.expert_choice.loads, 'expert choice: every load is C').toEqual(rc.experts.map(() => want.cf2p1.capacity));
    expect(new Set(want.cf2p1.rows.softmax_topk_renorm.loads).size, 'token choice: uneven loads').toBeGreaterThan(1);
    expect(want.cf2p1.rows.expert_choice.runs).toBe(want.cf2p1.rows.softmax_topk_renorm.runs);
    expect(want.cf2p1.rows.soft_moe.unrouted).toBe('0');
    expect(Number(want.cf05p3.rows.expert_choice.unrouted)).toBeGreaterThan(0);

    const coarse = { experts: se.experts, topK: se.top_k, dFf: se.d_ff };
    const cost = (s: FineShape): Counts => {
      const sharedParams = s.shared > 0 ? ok(core.cost({ d_model: 8, d_ff: s.sharedDff, num_experts: 1, top_k: 1 })).params_per_expert : 0;
      const r: CostReport = ok(core.cost({ d_model: 8, d_ff: s.dFf, num_experts: s.routed, top_k: s.topK, shared_params: sharedParams }));
      return {
        used: String(s.topK + s.shared),
        'per-expert': grouped(r.params_per_expert),
        'active-experts': grouped(r.active_params - r.router_params),
        router: grouped(r.router_params),
        active: grouped(r.active_params),
        total: grouped(r.total_params),
        combos: countText(combinations(s.routed, s.topK)),
      };
    };
    const view = (split: number, s: number, gated: boolean): SharedView => {
      const shape = fineShape(coarse, split, s);
      const emb = ok(core.embed(se.sentence));
      const tr: Trace = ok(core.forward(fineSpec(shape, gated && shape.shared > 0, se.seed), emb.features, emb.tokens.length));
      const ids = emb.tokens.map((_, t) =>
        Array.from(tr.topk_ids.slice(t * tr.slots, (t + 1) * tr.slots))
          .sort((a, b) => a - b)
          .join(', '),
      );
      return {
        shape,
        counts: cost(shape),
        ids,
        shares: emb.tokens.map((_, t) => (shape.shared > 0 ? percent(outputParts(tr, t).share) : '—')),
        gates: gated ? emb.tokens.map((_, t) => fmt(sigmoid(tr.shared_expert_gate_logit[t]))) : [],
      };
    };
    want.before = cost(fineShape(coarse, 1, 0));
    want.m1 = view(1, 0, false);
    want.m4 = view(4, 0, false);
    want.m4s1 = view(4, 1, false);
    want.m4s1gated = view(4, 1, true);
    // Splitting and sharing keep the expert weights a token uses; the combinations grow.
    expect(want.m4.counts['active-experts']).toBe(want.before['active-experts']);
    expect(want.m4s1.counts['active-experts']).toBe(want.before['active-experts']);
    expect(want.m4.counts.combos).toBe('4,426,165,368');
  } finally {
    core.dispose();
  }
});

/** Keyboard only: the right answer of the step's check, then Continue (or Finish lesson). */
async function answerByKeyboard(page: Page, lesson: Lesson, stepId: string) {
  const section = stepSection(page, stepId);
  await tabTo(page, section.getByRole('button', { name: rightAnswer(lesson, stepId), exact: true }));
  await expect(section.locator('.check .feedback.good')).toBeVisible();
  const last = lesson.steps.at(-1)!.id === stepId;
  await tabTo(page, section.getByRole('button', { name: last ? 'Finish lesson' : 'Continue' }));
}

/** Keyboard only: Tab (Shift+Tab when `backwards`) to a range input, then press `key` `times` times. */
async function slide(page: Page, input: Locator, key: 'ArrowLeft' | 'ArrowRight', times: number, backwards = false) {
  for (let i = 0; i < 200 && !(await input.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
  await expect(input).toBeFocused();
  for (let i = 0; i < times; i++) await page.keyboard.press(key);
}

async function expectRouters(w: Locator, v: RouterView, shown: string) {
  await expect(w.locator('[data-capacity]')).toHaveText(v.capacity);
  for (const { kind } of ROUTERS) {
    const table = w.locator('[data-view="summary"]');
    await expect(table.locator(`[data-runs="${kind}"]`)).toHaveText(v.rows[kind].runs);
    await expect(table.locator(`[data-load="${kind}"]`)).toHaveText(v.rows[kind].loads);
    await expect(table.locator(`[data-unrouted="${kind}"]`)).toHaveText(v.rows[kind].unrouted);
    await expect(table.locator(`[data-per-token="${kind}"]`)).toHaveText(v.rows[kind].perToken);
  }
  const table = w.locator(`[data-view="tokens"][data-kind="${shown}"]`);
  await expect(table.locator('[data-weight]')).toHaveText(v.rows[shown].cells);
  await expect(table.locator('[data-count]')).toHaveText(v.rows[shown].counts);
}

async function expectShared(w: Locator, v: SharedView) {
  for (const [key, text] of Object.entries(v.counts)) await expect(w.locator(`[data-now="${key}"]`)).toHaveText(text);
  for (const [key, text] of Object.entries(want.before)) await expect(w.locator(`[data-before="${key}"]`)).toHaveText(text);
  await expect(w.locator('[data-ids]')).toHaveText(v.ids);
  await expect(w.locator('[data-share]')).toHaveText(v.shares);
  await expect(w.locator('[data-gate]')).toHaveText(v.gates);
}

test('expert-choice-soft-moe by keyboard only: three routers match the engine; loads, unrouted tokens and slots follow the controls', async ({ page }) => {
  test.setTimeout(120_000);
  await openLesson(page, routers);
  const w = page.locator('[data-widget="router-choice"]');
  await expectRouters(w, want.cf2p1, 'softmax_topk_renorm');
  await answerByKeyboard(page, routers, 'directions');

  // Expert choice: open its table, then lower the capacity factor from 2 to 0.5 with the arrow keys.
  await tabTo(page, w.locator('[data-show="expert_choice"]'), 'Space', true);
  await expect(w.locator('[data-show="expert_choice"]')).toHaveAttribute('aria-pressed', 'true');
  await expectRouters(w, want.cf2p1, 'expert_choice');
  await slide(page, w.locator('[data-control="capacity"]'), 'ArrowLeft', 5, true);
  await expect(w.locator('[data-cf]')).toHaveText('0.50');
  await expect(page).toHaveURL(/rc_cf=0/);
  await slide(page, w.locator('[data-control="slots"]'), 'ArrowRight', 2);
  await expect(w.locator('[data-p]')).toHaveText('3');
  await expectRouters(w, want.cf05p3, 'expert_choice');
  await expect(w.locator('[data-view="tokens"] tr.unrouted')).toHaveCount(Number(want.cf05p3.rows.expert_choice.unrouted));
  await answerByKeyboard(page, routers, 'expert-choice');

  // Soft MoE: every cell filled, nothing unrouted, one expert run per slot.
  await tabTo(page, w.locator('[data-show="soft_moe"]'), 'Enter', true);
  await expectRouters(w, want.cf05p3, 'soft_moe');
  await expect(w.locator('[data-view="slots"] li')).toHaveCount(rc.experts.length);
  await answerByKeyboard(page, routers, 'soft-moe');
  await answerByKeyboard(page, routers, 'which');
  await expect(page.getByRole('heading', { name: /Lesson complete/ })).toBeFocused();
});

test('shared-fine-grained by keyboard only: the engine keeps expert weights per token while splitting and sharing; combinations grow', async ({ page }) => {
  test.setTimeout(120_000);
  await openLesson(page, shared);
  const w = page.locator('[data-widget="shared-experts"]');
  await expectShared(w, want.m1);
  await expect(w.locator('[data-shared="2"]')).toBeDisabled(); // top-2 leaves room for one shared expert
  await tabTo(page, w.locator('[data-split="4"]'), 'Space');
  await expect(page).toHaveURL(/se_m=2/);
  await expect(w.locator('[data-shape]')).toHaveText('64 routed experts of width 16, 8 chosen per token.');
  await expectShared(w, want.m4);
  await answerByKeyboard(page, shared, 'fine-grained');

  await tabTo(page, w.locator('[data-shared="1"]'), 'Enter', true);
  await expect(w.locator('[data-shape]')).toContainText('63 routed experts of width 16, 7 chosen per token, plus 1 shared expert');
  await expectShared(w, want.m4s1);
  await answerByKeyboard(page, shared, 'shared');

  await tabTo(page, w.locator('[data-control="gate"]'), 'Space', true);
  await expect(w.locator('[data-control="gate"]')).toHaveAttribute('aria-pressed', 'true');
  await expectShared(w, want.m4s1gated);
  await answerByKeyboard(page, shared, 'in-the-wild');
  await expect(page.getByRole('heading', { name: /Lesson complete/ })).toBeFocused();
});

test('both lessons: wrong answers explain themselves, links restore state, axe-clean at desktop, 375 px and dark', async ({ page }) => {
  test.setTimeout(120_000);
  await openLesson(page, routers, '?rc_cf=0&rc_p=3&rc_show=1');
  const rw = page.locator('[data-widget="router-choice"]');
  await expectRouters(rw, want.cf05p3, 'expert_choice');
  const first = stepSection(page, 'directions');
  await first.getByRole('button', { name: wrongAnswer(routers, 'directions'), exact: true }).click();
  await expect(first.locator('.check .feedback.miss')).toBeVisible();
  await widgetScreenshots(page, 'routers-expert-choice', rw);
  await rw.locator('[data-show="soft_moe"]').click();
  await widgetScreenshots(page, 'routers-soft-moe', rw);

  await openLesson(page, shared, '?se_m=2&se_shared=1&se_gate=1');
  const sw = page.locator('[data-widget="shared-experts"]');
  await expectShared(sw, want.m4s1gated);
  const step = stepSection(page, 'fine-grained');
  await step.getByRole('button', { name: wrongAnswer(shared, 'fine-grained'), exact: true }).click();
  await expect(step.locator('.check .feedback.miss')).toBeVisible();
  await widgetScreenshots(page, 'routers-shared', sw);
});
