// The pool behind thread_pool.hpp: n - 1 std::threads that sleep on a condition variable between
// jobs. One job at a time: the engine calls it from one thread (the wasm worker, or a CLI).
#include "moe/kernels/thread_pool.hpp"

#include <string>

#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)
#define MOE_HAS_THREADS 1
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#else
#define MOE_HAS_THREADS 0
#endif

namespace moe {

namespace {

int g_thread_count = 1;

#if MOE_HAS_THREADS
class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  // Makes sure workers 1 .. n-1 exist.
  void grow(int n) {
    while (static_cast<int>(workers_.size()) < n - 1) {
      const int w = static_cast<int>(workers_.size()) + 1;
      workers_.emplace_back([this, w] { loop(w); });
    }
  }

  void run(int n, const std::function<void(int)>& part) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      part_ = &part;
      active_ = n;
      pending_ = n - 1;
      ++generation_;
    }
    wake_.notify_all();
    part(0);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    part_ = nullptr;
  }

 private:
  void loop(int w) {
    unsigned long seen = 0;
    for (;;) {
      const std::function<void(int)>* part = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
        if (w >= active_) continue;  // this job uses fewer workers
        part = part_;
      }
      (*part)(w);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (--pending_ == 0) done_.notify_one();
      }
    }
  }

  std::vector<std::thread> workers_;  // worker w is workers_[w - 1]
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int)>* part_ = nullptr;
  unsigned long generation_ = 0;
  int active_ = 0, pending_ = 0;
  bool stopping_ = false;
};

Pool& pool() {
  static Pool p;
  return p;
}
#endif

}  // namespace

bool threads_supported() {
  return MOE_HAS_THREADS != 0;
}

int max_threads() {
#if !MOE_HAS_THREADS
  return 1;
#elif defined(MOE_WASM_THREAD_POOL)
  return MOE_WASM_THREAD_POOL;
#else
  return kMaxThreads;
#endif
}

int thread_count() {
  return g_thread_count;
}

Result<bool> set_thread_count(int n) {
  if (n < 1 || n > kMaxThreads) {
    return Error{"threads", "must be between 1 and " + std::to_string(kMaxThreads) + ", got " +
                                std::to_string(n)};
  }
  if (n > 1 && threads_supported() && n > max_threads()) {
    return Error{"threads", "must be <= " + std::to_string(max_threads()) +
                                " in this build (its pool of pthread Workers), got " +
                                std::to_string(n)};
  }
  if (n > 1 && !threads_supported()) {
    return Error{"threads",
                 "must be 1: this build has no threads (the wasm module without "
                 "-pthread), got " +
                     std::to_string(n)};
  }
#if MOE_HAS_THREADS
  pool().grow(n);
#endif
  g_thread_count = n;
  return true;
}

void thread_pool_run(int n, const std::function<void(int)>& part) {
  if (n > g_thread_count) n = g_thread_count;
  if (n <= 1) {
    part(0);
    return;
  }
#if MOE_HAS_THREADS
  pool().run(n, part);
#endif
}

}  // namespace moe
