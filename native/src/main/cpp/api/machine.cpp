// Machine side of the C API: kernel variant in use, forced variants, read bandwidth, conversion.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "api/error.h"
#include "core/isa.h"
#include "core/thread_pool.h"
#include "ember.h"
#include "linear/linear.h"

using ember::fail;
using ember::guard_status;
using ember::guard_value;

extern "C" const char* ember_isa(void) { return ember::isa_name(ember::active_isa()); }

extern "C" int ember_force_isa(const char* name) {
  ember::Isa isa;
  if (name == nullptr || !ember::isa_from_name(name, &isa)) return fail(-1, "unknown kernel variant %s", name);
  ember::FeatureSet need;
  if (!ember::isa_features(isa, &need)) return fail(-1, "kernel variant %s is not built for this architecture", name);
  if (!ember::isa_supported(isa)) {
    char missing[256];
    ember::feature_names(need & ~ember::cpu_features(), missing, sizeof missing);
    return fail(-1, "kernel variant %s is not supported by this CPU (it lacks %s)", name, missing);
  }
  ember::force_isa(isa);
  return 0;
}

// Sums n 64-bit words with eight independent lanes (the compiler vectorizes it).
static uint64_t read_reduce(const uint64_t* p, int64_t n) {
  uint64_t acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int64_t i = 0; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; j++) acc[j] += p[i + j];
  }
  uint64_t s = 0;
  for (int j = 0; j < 8; j++) s += acc[j];
  return s;
}

extern "C" double ember_read_bandwidth_gbs(int64_t bytes, int32_t threads) {
  if (bytes < 4096 || threads < 1) return fail(-1, "bandwidth test needs >= 4096 bytes and >= 1 thread"), -1.0;
  int64_t words = bytes / 8;
  uint64_t* buf = nullptr;
  if (posix_memalign((void**)&buf, 4096, (size_t)words * 8) != 0) {
    return fail(-1, "out of memory allocating %lld bytes", (long long)bytes), -1.0;
  }
  double best = guard_value("ember_read_bandwidth_gbs", -1.0, [&] {
    ember::ThreadPool pool(threads);
    pool.run([&](int tid, int nth) {
      int64_t b, e;
      ember::split_range(words, tid, nth, 512, &b, &e);
      for (int64_t i = b; i < e; i++) buf[i] = (uint64_t)i;
    });
    std::atomic<uint64_t> sink{0};
    double fastest = 0;
    for (int pass = 0; pass < 5; pass++) {
      auto start = std::chrono::steady_clock::now();
      pool.run([&](int tid, int nth) {
        int64_t b, e;
        ember::split_range(words, tid, nth, 512, &b, &e);
        sink.fetch_add(read_reduce(buf + b, e - b), std::memory_order_relaxed);
      });
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      double gbs = (double)words * 8 / s / 1e9;
      if (gbs > fastest) fastest = gbs;
    }
    return fastest;
  });
  free(buf);
  return best;
}

extern "C" int ember_convert(const void* src, int32_t src_dtype, void* dst, int32_t dst_dtype, int64_t n,
                             int32_t threads) {
  if (src_dtype < EMBER_F32 || src_dtype > EMBER_Q4_0 || dst_dtype < EMBER_F32 || dst_dtype > EMBER_Q4_0) {
    return fail(-1, "unknown dtype in conversion %d -> %d", src_dtype, dst_dtype);
  }
  bool src_quant = src_dtype == EMBER_Q8_0 || src_dtype == EMBER_Q4_0;
  bool dst_quant = dst_dtype == EMBER_Q8_0 || dst_dtype == EMBER_Q4_0;
  if (src_quant && dst_dtype != EMBER_F32) return fail(-1, "quantized data converts only to f32");
  if ((src_quant || dst_quant) && n % 32 != 0) return fail(-1, "quantized conversion needs n %% 32 == 0, got %lld", (long long)n);
  if (n < 0 || src == nullptr || dst == nullptr) return fail(-1, "bad conversion arguments");
  return guard_status("ember_convert", [&] {
    ember::ThreadPool pool(threads < 1 ? 1 : threads);
    ember::convert(pool, src, src_dtype, dst, dst_dtype, n);
    return 0;
  });
}
