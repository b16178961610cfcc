// Hardening, end to end against the production build: the Content-Security-Policy header is
// served and nothing on any lesson violates it; hostile links, pasted text, a trapping or dying
// engine worker, broken storage and failed downloads each leave a working page and a visible notice.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { Locator, Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { themeBootHash } from '../../web/src/security-policy';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

/** Lessons on the map whose files exist, in path order. */
const pathFile = parseYaml(fs.readFileSync(root('lessons/path.yaml'), 'utf8')) as { phases: { lessons: { id: string }[] }[] };
const lessonIds = pathFile.phases.flatMap((p) => p.lessons.map((l) => l.id)).filter((id) => fs.existsSync(root(`lessons/${id}.md`)));

declare global {
  interface Window {
    __cspViolations: string[];
  }
}

/** Records every securitypolicyviolation event of the page (from before its first script runs). */
async function watchCsp(page: Page) {
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
}
const cspViolations = (page: Page) => page.evaluate(() => window.__cspViolations);

async function engineReady(page: Page) {
  await expect(page.locator('.engine-status')).toHaveText('Engine ready', { timeout: 30_000 });
}

/** The idle-experts lesson with the engine ready: its idle-heatmap widget, once it shows a result. */
async function openIdleHeatmap(page: Page): Promise<Locator> {
  await page.goto('/#/lesson/idle-experts');
  await engineReady(page);
  const w = page.locator('[data-widget="idle-heatmap"]');
  await expect(w.locator('[data-summary]')).toBeVisible();
  return w;
}

const notice = (page: Page, key: string) => page.locator(`[data-notice="${key}"]`);

test.describe('Content Security Policy', () => {
  test('the page, its worker and its wasm are served with the strict policy', async ({ page, request }) => {
    const res = await request.get('/');
    expect(res.status()).toBe(200);
    const csp = res.headers()['content-security-policy'] ?? '';
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'", themeBootHash]); // one inline script, by hash
    expect(csp).not.toContain("'unsafe-eval'");
    expect(directives['script-src']).not.toContain("'unsafe-inline'");
    expect(directives['object-src']).toEqual(["'none'"]);
    // The engine worker and its wasm, as the page loads them.
    const assets: string[] = [];
    page.on('response', (r) => {
      if (/\.(wasm|js)$/.test(new URL(r.url()).pathname)) assets.push(r.url());
    });
    await page.goto('/#/');
    await engineReady(page);
    expect(assets.some((u) => u.endsWith('.wasm'))).toBe(true);
    for (const url of assets) {
      const r = await request.get(url);
      expect(r.headers()['content-security-policy'], url).toBe(csp);
    }
  });

  for (const id of lessonIds) {
    test(`walking "${id}" to its end raises no CSP violation`, async ({ page }) => {
      test.setTimeout(120_000);
      await watchCsp(page);
      await page.goto(`/#/lesson/${id}`);
      await expect(page.locator(`article[data-lesson="${id}"]`)).toBeVisible();
      await engineReady(page);
      for (let guard = 0; guard < 40; guard++) {
        if (await page.locator('#lesson-done').isVisible()) break;
        const open = page.locator('section.step').last();
        // Answer each unsolved check of the open step: try options until one is right.
        const unsolved = await open.locator('.check[data-solved="false"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-check')));
        for (const checkId of unsolved) {
          const check = open.locator(`.check[data-check="${checkId}"]`);
          const options = check.locator('button.option');
          const n = await options.count();
          for (let i = 0; i < n && (await check.getAttribute('data-solved')) !== 'true'; i++) {
            await options.nth(i).click();
            await expect(check.locator('.feedback')).toBeVisible();
          }
          await expect(check).toHaveAttribute('data-solved', 'true');
        }
        const next = open.locator('.step-actions button.primary');
        await expect(next).toBeVisible();
        await next.click();
      }
      await expect(page.locator('#lesson-done')).toBeVisible();
      await page.waitForTimeout(200); // let late widget work settle
      expect(await cspViolations(page)).toEqual([]);
    });
  }
});

test.describe('hostile links', () => {
  test('out-of-range, NaN and prototype keys give defaults and a notice; the widget works', async ({ page }) => {
    await watchCsp(page);
    await page.goto('/#/lesson/idle-experts?ih_e=1e999&ih_k=-4&ih_table=NaN&__proto__=1&constructor=x&prototype[a]=1');
    await engineReady(page);
    await expect(notice(page, 'link-state')).toContainText('could not use');
    await expect(notice(page, 'link-state')).toContainText('ignored “__proto__”');
    const w = page.locator('[data-widget="idle-heatmap"]');
    await expect(w.locator('[data-control="experts"]')).toHaveValue('8');
    await expect(w.locator('[data-summary]')).toBeVisible();
    expect(await page.evaluate(() => 'a' in {} || 'polluted' in {})).toBe(false); // no prototype pollution
    // Still interactive: the notice can be dismissed and the widget recomputes.
    await notice(page, 'link-state').getByRole('button', { name: 'Dismiss' }).click();
    await expect(notice(page, 'link-state')).toHaveCount(0);
    await w.locator('[data-control="experts"]').selectOption('16');
    await expect(w.locator('[data-load]')).toHaveCount(16);
    expect(await cspViolations(page)).toEqual([]);
  });

  test('a multi-megabyte hash opens the lesson with defaults, a notice and a short URL', async ({ page }) => {
    const huge = `/#/lesson/idle-experts?ih_e=16&ih_text=${'a'.repeat(1_900_000)}`;
    await page.goto(huge);
    await engineReady(page);
    await expect(notice(page, 'link')).toContainText('too long');
    const w = page.locator('[data-widget="idle-heatmap"]');
    await expect(w.locator('[data-summary]')).toBeVisible();
    await expect(w.locator('[data-control="experts"]')).toHaveValue('8'); // the whole query was ignored
    expect((await page.evaluate(() => location.hash)).length).toBeLessThan(200);
    // A second, in-page navigation to an even longer hash does not hang the page either
    // (a hang fails on the expectation's own timeout).
    await page.evaluate(() => {
      location.hash = `#/lesson/idle-experts?ih_k=${'9'.repeat(3_000_000)}`;
    });
    await expect(w.locator('[data-summary]')).toBeVisible();
  });

  test('a malformed escape in the path opens the map with a notice', async ({ page }) => {
    await page.goto('/#/lesson/%E0%A4%A');
    await expect(notice(page, 'link')).toContainText('damaged');
    await expect(page.locator('main')).toBeVisible();
    await page.goto('/#/lesson/idle-experts');
    await expect(page.locator('[data-widget="idle-heatmap"] [data-summary]')).toBeVisible();
  });
});

test.describe('pasted text', () => {
  test('1 MB is refused with a message; emoji, RTL and control characters are routed', async ({ page }) => {
    const w = await openIdleHeatmap(page);
    const box = w.getByLabel('Sentence');
    await box.fill('x'.repeat(1 << 20));
    await expect(w.locator('[data-input-error]')).toHaveText(
      'This sentence is 1,048,576 characters long; this box takes at most 200. Shorten it and try again.',
    );
    await w.getByRole('button', { name: 'Route it' }).click();
    await expect(w.locator('[data-input-error]')).toBeVisible();
    await expect(w.locator('[data-summary]')).toBeVisible(); // the last good result stays
    for (const text of ['Experts 🧠 route 👩‍👩‍👧 tokens', 'الخبراء يوجهون الرموز', 'tab\there\u0007bell \u202Eflip']) {
      await box.fill(text);
      await w.getByRole('button', { name: 'Route it' }).click();
      await expect(w.locator('[data-input-error]')).toHaveCount(0);
      await expect(w.locator('[data-summary]')).toBeVisible();
      await expect(w.locator('.engine-error')).toHaveCount(0);
    }
  });
});

test.describe('a broken engine worker', () => {
  test('a call that traps inside the worker is reported, the worker restarts and the widget works again', async ({ page }) => {
    const w = await openIdleHeatmap(page);
    await expect.poll(() => page.workers().length).toBeGreaterThan(0);
    // Make the worker's next reply the one a wasm trap produces (EngineCore's catch turns a
    // RuntimeError into an error value). Done from outside: the app carries no test hook.
    await page.workers()[0].evaluate(() => {
      const scope = self as unknown as { postMessage: (m: unknown, t?: unknown) => void };
      const post = scope.postMessage.bind(scope);
      let armed = true;
      scope.postMessage = (m: unknown, t?: unknown) => {
        const msg = m as { id?: number };
        if (armed && msg && typeof msg.id === 'number' && msg.id > 0) {
          armed = false;
          return post({ id: msg.id, result: { ok: false, error: 'engine: RuntimeError: unreachable' } });
        }
        return post(m, t as Transferable[]);
      };
    });
    await w.locator('[data-control="experts"]').selectOption('4');
    await expect(notice(page, 'engine')).toContainText('restarted');
    await expect(w.locator('.engine-error')).toContainText('engine crashed (RuntimeError: unreachable)');
    await expect(page.locator('.engine-status')).toHaveText('Engine ready');
    // The fresh worker computes: change the view again and the grid comes back.
    await w.locator('[data-control="experts"]').selectOption('16');
    await expect(w.locator('[data-load]')).toHaveCount(16);
    await expect(w.locator('.engine-error')).toHaveCount(0);
  });

  test('a worker that throws is replaced and the page says so', async ({ page }) => {
    const w = await openIdleHeatmap(page);
    await expect.poll(() => page.workers().length).toBeGreaterThan(0);
    await page.workers()[0].evaluate(() => {
      setTimeout(() => {
        throw new Error('simulated engine abort');
      });
    });
    await expect(notice(page, 'engine')).toContainText('restarted');
    await w.locator('[data-control="experts"]').selectOption('16');
    await expect(w.locator('[data-load]')).toHaveCount(16);
  });
});

test.describe('broken downloads', () => {
  /** The browser logs each aborted request as a console error: expected here, and nothing else is. */
  const allowAborted = (errors: string[]) => errors.splice(0, errors.length, ...errors.filter((e) => !e.endsWith('Failed to load resource: net::ERR_FAILED')));

  test("a lesson whose steps cannot be downloaded says so, and the map and other lessons still work", async ({ page, pageErrors }) => {
    await page.route(/\/assets\/dense-cost-[^/]*\.js$/, (route) => route.abort());
    await page.goto('/#/lesson/dense-cost');
    await expect(page.getByRole('alert').filter({ hasText: 'could not be downloaded' })).toBeVisible();
    await expect(page.locator('.engine-status')).toHaveText('Engine ready');
    await page.goto('/#/lesson/idle-experts');
    await expect(page.locator('[data-widget="idle-heatmap"] [data-summary]')).toBeVisible();
    allowAborted(pageErrors);
  });

  test("a widget whose code cannot be downloaded says so in its frame; the lesson's text stays", async ({ page, pageErrors }) => {
    await page.route(/\/assets\/ParamBudget-[^/]*\.js$/, (route) => route.abort());
    await page.goto('/#/lesson/dense-cost');
    await expect(page.locator('.widget-error').first()).toContainText('could not be downloaded');
    await expect(page.locator('section.step').first().locator('.check').first()).toBeVisible();
    allowAborted(pageErrors);
  });
});

test.describe('broken storage', () => {
  const quota = () => {
    Storage.prototype.setItem = function () {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  };

  test('a full storage: progress is kept on the page and the learner is told it was not saved', async ({ page }) => {
    await page.addInitScript(quota);
    await page.goto('/#/lesson/dense-cost');
    await engineReady(page);
    const check = page.locator('section.step').first().locator('.check').first();
    await check.locator('button.option').first().click();
    await expect(notice(page, 'progress-save')).toContainText('could not be saved');
    await expect(check.locator('.feedback')).toBeVisible();
  });

  test('blocked storage (reading localStorage throws): the app works and says progress will not be kept', async ({ page }) => {
    await page.addInitScript(() => {
      Object.defineProperty(window, 'localStorage', {
        get() {
          throw new DOMException('The operation is insecure.', 'SecurityError');
        },
      });
    });
    await page.goto('/#/lesson/idle-experts');
    await engineReady(page);
    await expect(notice(page, 'progress-load')).toContainText('not letting the tutor use its storage');
    await expect(page.locator('[data-widget="idle-heatmap"] [data-summary]')).toBeVisible();
    // Answering a check still works (kept for this visit).
    const check = page.locator('.check').first();
    await check.locator('button.option').first().click();
    await expect(check.locator('.feedback')).toBeVisible();
  });

  test('corrupt saved progress: a fresh start, a notice, and the damaged copy kept', async ({ page }) => {
    await page.addInitScript(() => {
      if (!sessionStorage.getItem('seeded')) {
        localStorage.setItem('moe-tutor:progress', '{"version":1,"lessons":{"dense-cost":');
        sessionStorage.setItem('seeded', '1');
      }
    });
    await page.goto('/#/');
    await expect(notice(page, 'progress-load')).toContainText('damaged');
    expect(await page.evaluate(() => localStorage.getItem('moe-tutor:progress:unreadable'))).toBe('{"version":1,"lessons":{"dense-cost":');
  });

  test('older progress (no version) is migrated: the map shows the lesson as done', async ({ page }) => {
    await page.addInitScript(() => {
      if (!sessionStorage.getItem('seeded')) {
        localStorage.setItem('moe-tutor:progress', JSON.stringify({ lessons: { 'dense-cost': { reached: 3, answers: {}, solved: [], goals: [], completed: true } } }));
        sessionStorage.setItem('seeded', '1');
      }
    });
    await page.goto('/#/lesson/dense-cost');
    await expect(page.locator('.lesson-header .meta')).toContainText('completed');
    await expect(page.locator('[data-notice^="progress"]')).toHaveCount(0);
  });
});
