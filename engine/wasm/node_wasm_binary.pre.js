// --pre-js of build/wasm/moe_tests.js. Emscripten 3.1.6 instantiates through fetch() whenever
// fetch exists; Node 20 has fetch but cannot fetch a file path. Under Node, read the .wasm next
// to this script and hand its bytes over, which skips the fetch. Browsers are unaffected.
if (typeof process === 'object' && process.versions && process.versions.node &&
    !Module['wasmBinary']) {
  Module['wasmBinary'] = require('fs').readFileSync(require('path').join(__dirname, 'moe_tests.wasm'));
}
