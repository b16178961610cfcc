// The build's page writer (web/prerender-plugin.ts): a lesson's page carries its text in #app and
// every address relative to its own folder, so dist/ works from any folder of any host.
import { describe, expect, it } from 'vitest';
import { fillPage } from '../../web/prerender-plugin';
import { contentSecurityPolicy, metaContentSecurityPolicy } from '../../web/src/security-policy';

const template = `<!doctype html><html><head><meta charset="UTF-8" />
<meta name="description" content="course" /><title>MoE Tutor</title>
<link rel="icon" href="./icons/icon.svg" /><link rel="apple-touch-icon" href="./icons/apple-touch-icon.png" />
<script type="module" crossorigin src="./assets/index-abc.js"></script>
<link rel="manifest" href="./manifest.webmanifest"></head><body><div id="app"></div></body></html>`;

describe('prerendered pages', () => {
  const body =
    '<a class="brand" href="/">MoE Tutor</a><p>Cost: $1 per $&amp; token</p>' +
    '<a href="/lesson/top2-cut/#softmax?token=4&amp;pred=0,2">step</a><a href="#/lesson/dense-cost">first lesson</a><a href="#main">skip</a>';
  const page = fillPage(template, { id: 'gating-logits', title: 'Gating · MoE Tutor', description: 'Four "scores"', body, root: '../../' });

  it('puts the text in #app, marked with the lesson it shows', () => {
    expect(page).toContain('<div id="app" data-prerendered="gating-logits"><a class="brand"');
    expect(page).toContain('<p>Cost: $1 per $&amp; token</p>'); // `$` patterns are text, not replacement syntax
    expect(page).toContain('<title>Gating · MoE Tutor</title>');
    expect(page).toContain('<meta name="description" content="Four &quot;scores&quot;"');
  });

  it('makes every address relative to the lesson folder', () => {
    for (const href of ['../../icons/icon.svg', '../../icons/apple-touch-icon.png', '../../assets/index-abc.js', '../../manifest.webmanifest', '../../']) {
      expect(page).toContain(`="${href}"`);
    }
    expect(page).toContain('href="../../lesson/top2-cut/#softmax?token=4&amp;pred=0,2"');
    expect(page).toContain('href="../../lesson/dense-cost/"'); // a route key in lesson prose
    expect(page).toContain('href="#main"'); // an anchor within the page stays
    expect(page).not.toMatch(/(?:src|href)="\.\/|href="\/[^/]/);
  });

  it('the map keeps its own folder', () => {
    const map = fillPage(template, { id: 'map', title: 'MoE Tutor', body: '<a href="/lesson/top2-cut/">x</a>', root: './' });
    expect(map).toContain('href="./lesson/top2-cut/"');
    expect(map).toContain('src="./assets/index-abc.js"');
    expect(map).toContain('<meta name="description" content="course" />');
  });

  it('a template without #app fails the build', () => {
    expect(() => fillPage('<html></html>', { id: 'x', title: 'x', body: '', root: './' })).toThrow(/no <div id="app"><\/div>/);
  });

  it('the meta-tag policy is the header policy minus the header-only frame-ancestors', () => {
    expect(metaContentSecurityPolicy).not.toContain('frame-ancestors');
    expect(contentSecurityPolicy).toBe(`${metaContentSecurityPolicy}; frame-ancestors 'none'`);
    expect(metaContentSecurityPolicy).toContain("script-src 'self' 'wasm-unsafe-eval'");
  });
});
