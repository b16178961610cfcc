// Embind entry points for the engine's thread count (moe/thread_pool.hpp), in their own
// EMSCRIPTEN_BINDINGS block. The plain module is built without -pthread and stays at 1 thread;
// the threaded one (build/wasm-mt) accepts up to 2 threads (MOE_WASM_THREAD_POOL).
// web/src/engine/load.ts calls these:
//   setThreads(n)       -> {ok: true, threads: n} | {ok: false, error: "threads: ..."}
//   threadCount()       -> the threads the layer forward uses now
//   threadsSupported()  -> true in the -pthread build
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "js_values.hpp"
#include "moe/kernels/thread_pool.hpp"

namespace {

using emscripten::val;

val set_threads(int n) {
  moe::Result<bool> r = moe::set_thread_count(n);
  if (!r.ok()) return moe::wasm::error_value(r.error().message());
  val out = val::object();
  out.set("ok", true);
  out.set("threads", moe::thread_count());
  return out;
}

}  // namespace

EMSCRIPTEN_BINDINGS(moe_threads) {
  emscripten::function("setThreads", &set_threads);
  emscripten::function("threadCount", &moe::thread_count);
  emscripten::function("threadsSupported", &moe::threads_supported);
}
