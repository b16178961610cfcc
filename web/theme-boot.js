// Inlined in <head> by web/theme-boot-plugin.ts; the CSP allows it by its hash (src/security-policy.ts).
(function () {
  var stored = null;
  try {
    stored = localStorage.getItem('moe-tutor:theme');
  } catch (e) {}
  var dark = stored ? stored === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
})();
