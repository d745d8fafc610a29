#include "core/thread_pool.h"

namespace ember {

static inline void cpu_relax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

ThreadPool::ThreadPool(int threads) : size_(threads < 1 ? 1 : threads) {
  threads_.reserve(size_ - 1);
  try {
    for (int t = 1; t < size_; t++) threads_.emplace_back([this, t] { worker(t); });
  } catch (...) {
    // A member that could not be created (std::system_error): stop and join the ones that were,
    // since the destructor does not run for a constructor that throws.
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_.store(true);
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    for (auto& th : threads_) th.join();
    throw;
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto& th : threads_) th.join();
}

void ThreadPool::run(const std::function<void(int, int)>& fn) {
  if (size_ == 1) {
    fn(0, 1);
    return;
  }
  task_ = &fn;
  pending_.store(size_ - 1, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  fn(0, size_);
  // Members usually finish within microseconds of each other: spin briefly, then yield the core so
  // that a descheduled member (cores shared with other processes) gets to run.
  for (int spin = 0; pending_.load(std::memory_order_acquire) != 0; spin++) {
    if (spin < 4000) {
      cpu_relax();
    } else {
      std::this_thread::yield();
    }
  }
  task_ = nullptr;
}

void ThreadPool::worker(int tid) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t gen = generation_.load(std::memory_order_acquire);
    // Steps come back to back: spin, then yield for a while, then sleep until woken.
    for (int spin = 0; gen == seen && spin < 4000 + 2000; spin++) {
      if (spin < 4000) {
        cpu_relax();
      } else {
        std::this_thread::yield();
      }
      gen = generation_.load(std::memory_order_acquire);
    }
    if (gen == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
      gen = generation_.load(std::memory_order_acquire);
    }
    seen = gen;
    if (stop_.load()) return;
    (*task_)(tid, size_);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace ember
