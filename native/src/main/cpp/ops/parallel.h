// Splits a range of independent items over a pool, inline when there is too little work to share.
//
//   parallel_for(pool, rows, rows * n >= 4096, [&](int64_t b, int64_t e) { ... rows b..e ... });
#pragma once

#include <cstdint>

#include "core/thread_pool.h"

namespace ember {

template <typename Fn>
void parallel_for(ThreadPool& pool, int64_t n, bool worth_sharing, const Fn& fn) {
  if (n <= 0) return;
  if (!worth_sharing || pool.size() == 1 || n == 1) {
    fn((int64_t)0, n);
    return;
  }
  pool.run([&](int tid, int nth) {
    int64_t b, e;
    split_range(n, tid, nth, 1, &b, &e);
    if (b < e) fn(b, e);
  });
}

}  // namespace ember
