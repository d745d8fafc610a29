#include <atomic>

#include "core/thread_pool.h"
#include "test.h"

using ember::ThreadPool;

TEST(thread_pool_runs_every_member_once_per_task) {
  for (int n : {1, 2, 3, 5}) {
    ThreadPool pool(n);
    for (int rep = 0; rep < 200; rep++) {
      std::atomic<int> seen{0};
      std::atomic<int> mask{0};
      pool.run([&](int tid, int nth) {
        seen++;
        mask |= 1 << tid;
        CHECK(nth == n);
      });
      CHECK(seen.load() == n);
      CHECK(mask.load() == (1 << n) - 1);
    }
  }
}

TEST(split_range_covers_all_aligned) {
  for (int64_t n : {0, 1, 31, 32, 33, 1000}) {
    for (int nth : {1, 2, 3, 7}) {
      int64_t next = 0;
      for (int t = 0; t < nth; t++) {
        int64_t b, e;
        ember::split_range(n, t, nth, 8, &b, &e);
        CHECK(b == next);
        CHECK(b % 8 == 0 || b == n);
        next = e;
      }
      CHECK(next == n);
    }
  }
}
