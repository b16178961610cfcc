// Runs before the first paint of a prerendered page (a classic script at the start of <body>, not a
// module, so it runs before anything below it is painted, once the stylesheet it waits for is
// here): the learner's theme, or the system's.
// The same rule as web/src/player/theme.ts, which takes over once the player has loaded.
(function () {
  var stored = null;
  try {
    stored = localStorage.getItem('moe-tutor:theme');
  } catch (e) {
    // storage blocked: follow the system
  }
  var dark = stored ? stored === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
})();
