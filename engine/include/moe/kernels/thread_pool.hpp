// A small persistent pool of worker threads for the layer forward pass, and the process-wide
// thread count the engine uses. Worker w of n runs part w, the calling thread is worker 0. Parts
// may share out work items as they go (the layer's experts do), but each output is computed by
// one thread with the same code whichever thread it is, which keeps results bit-identical for
// every thread count (tests/engine/test_threads.cpp).
//
// Builds without threads (the plain wasm module, compiled without -pthread) have a count fixed at
// 1: asking for more is an error value, and nothing ever starts a thread.
#pragma once

#include <functional>

#include "moe/result.hpp"

namespace moe {

// True when this build can run threads (native, or wasm compiled with -pthread).
bool threads_supported();

// The most threads set_thread_count accepts: 16 natively; in wasm the size of the pthread Worker
// pool the module starts with (-sPTHREAD_POOL_SIZE, MOE_WASM_THREAD_POOL), since a Worker started
// later only begins once the caller yields to the event loop, which a blocked forward never does.
inline constexpr int kMaxThreads = 16;
int max_threads();

// How many threads the engine's layer forward uses; 1 until set_thread_count changes it.
int thread_count();

// Sets the thread count for later forward passes: 1 <= n <= max_threads(), and n = 1 in a build
// without threads. Starts the extra n - 1 workers once; a smaller count leaves them idle.
// Not to be called while a forward pass runs in another thread.
Result<bool> set_thread_count(int n);

// Runs part(w) for w = 0 .. n-1, part 0 on the calling thread and the others on pool workers,
// and returns when all have finished. n is clamped to thread_count(); n <= 1 runs part(0) inline.
void thread_pool_run(int n, const std::function<void(int)>& part);

}  // namespace moe
