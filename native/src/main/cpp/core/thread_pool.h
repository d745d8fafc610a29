// ThreadPool: a fixed team of threads that runs one task on every member and waits.
//
//   ThreadPool pool(2);
//   pool.run([&](int tid, int nth) { for (i = tid; i < n; i += nth) work(i); });
//
// The calling thread is member 0, so a pool of 1 runs inline with no synchronisation.
// Members spin briefly for the next task (steps come back to back), then sleep.
//
// A pool given a CPU list pins member i to cpus[i % cpus.size()] (named "ember-k<cpu>"); the
// calling thread is pinned by pin_caller(), which the owner calls on each thread that runs tasks.
//
//   ThreadPool pinned(2, {4, 5});   // member 1 on CPU 5
//   pinned.pin_caller();            // this thread on CPU 4
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ember {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  // Members pinned to cpus (none: not pinned); throws std::system_error when a CPU cannot be used.
  ThreadPool(int threads, std::vector<int> cpus);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return size_; }
  bool pinned() const { return !cpus_.empty(); }
  const std::vector<int>& cpus() const { return cpus_; }
  // Pins the calling thread to member 0's CPU, once per thread (a thread-local check after that);
  // nothing for an unpinned pool. 0, or an errno value.
  int pin_caller();
  // Runs fn(tid, nth) on all size() members (the caller is tid 0) and returns when all finish.
  void run(const std::function<void(int tid, int nth)>& fn);

 private:
  void worker(int tid);
  void start_members();

  const int size_;
  const std::vector<int> cpus_;
  const uint64_t id_;
  std::vector<std::thread> threads_;
  const std::function<void(int, int)>* task_ = nullptr;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

// Splits [0, n) into nth nearly equal ranges aligned to `align`; returns member tid's range.
inline void split_range(int64_t n, int tid, int nth, int64_t align, int64_t* begin, int64_t* end) {
  int64_t chunks = (n + align - 1) / align;
  int64_t per = chunks / nth, extra = chunks % nth;
  int64_t c0 = tid * per + (tid < extra ? tid : extra);
  int64_t c1 = c0 + per + (tid < extra ? 1 : 0);
  *begin = c0 * align < n ? c0 * align : n;
  *end = c1 * align < n ? c1 * align : n;
}

}  // namespace ember
