// Runs the engine's doctest suite (built to WebAssembly) inside the page and
// exposes what it printed and its exit code to the driver on window.doctest.
window.doctest = { lines: [], exitCode: null };
var Module = {
  arguments: ['--no-colors'],
  print: (text) => { window.doctest.lines.push(text); document.getElementById('log').textContent += text + '\n'; },
  printErr: (text) => { window.doctest.lines.push(text); },
  onExit: (code) => { window.doctest.exitCode = code; },
  onAbort: (what) => { window.doctest.lines.push('abort: ' + what); window.doctest.exitCode = 134; },
};
