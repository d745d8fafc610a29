#include "core/thread_pool.h"

#include <pthread.h>
#include <sched.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <system_error>

namespace ember {

namespace {
std::atomic<uint64_t> next_pool_id{1};
// The pool whose member 0 CPU this thread was pinned to by pin_caller (0: none).
thread_local uint64_t caller_pinned_to = 0;

// Affinity of one CPU in a dynamically sized set (CPU ids may exceed CPU_SETSIZE).
struct OneCpu {
  explicit OneCpu(int cpu) : size(CPU_ALLOC_SIZE(cpu + 1)), set(CPU_ALLOC(cpu + 1)) {
    if (set == nullptr) throw std::bad_alloc();
    CPU_ZERO_S(size, set);
    CPU_SET_S(cpu, size, set);
  }
  ~OneCpu() { CPU_FREE(set); }
  size_t size;
  cpu_set_t* set;
};
}  // namespace

static inline void cpu_relax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

ThreadPool::ThreadPool(int threads) : ThreadPool(threads, {}) {}

ThreadPool::ThreadPool(int threads, std::vector<int> cpus)
    : size_(threads < 1 ? 1 : threads), cpus_(std::move(cpus)), id_(next_pool_id.fetch_add(1)) {
  start_members();
}

void ThreadPool::start_members() {
  threads_.reserve(size_ - 1);
  try {
    for (int t = 1; t < size_; t++) {
      threads_.emplace_back([this, t] { worker(t); });
      if (!cpus_.empty()) {
        // Pinned from here, before the member runs a task, so a CPU that cannot be used fails the pool.
        int cpu = cpus_[t % cpus_.size()];
        OneCpu one(cpu);
        int rc = pthread_setaffinity_np(threads_.back().native_handle(), one.size, one.set);
        if (rc != 0) throw std::system_error(rc, std::generic_category(), "pinning a kernel thread to CPU " +
                                                                              std::to_string(cpu));
        char name[16];
        std::snprintf(name, sizeof name, "ember-k%d", cpu);
        pthread_setname_np(threads_.back().native_handle(), name);
      }
    }
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

int ThreadPool::pin_caller() {
  if (cpus_.empty() || caller_pinned_to == id_) return 0;
  OneCpu one(cpus_[0]);
  if (sched_setaffinity(0, one.size, one.set) != 0) return errno;
  caller_pinned_to = id_;
  return 0;
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
