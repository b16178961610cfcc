// The two KaTeX faces every lesson's formulas use. Without a hint the browser asks for a font only
// when a layout first needs it, then lays the page out again once it arrives. boot.ts asks for a
// lesson with formulas that the player shows first (an old `#/lesson/...` link, the dev server);
// a lesson's own page has asked already, by laying out its prerendered formulas.
import mainRegular from 'katex/dist/fonts/KaTeX_Main-Regular.woff2?url';
import mathItalic from 'katex/dist/fonts/KaTeX_Math-Italic.woff2?url';

export function preloadFormulaFonts(): void {
  for (const href of [mainRegular, mathItalic]) {
    const link = document.createElement('link');
    link.rel = 'preload';
    link.as = 'font';
    link.type = 'font/woff2';
    link.crossOrigin = 'anonymous'; // fonts load in CORS mode: a preload without it would not be reused
    link.href = href;
    document.head.append(link);
  }
}
