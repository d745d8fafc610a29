// ember_peak_gops: runs the active variant's probe on `threads` threads at once and sums the rate.
#include "machine/peak.h"

#include <chrono>
#include <thread>
#include <vector>

#include "api/error.h"
#include "ember.h"

namespace ember {

double peak_ops_scalar(PeakKind kind, int64_t iters) {
  float a[8] = {1.0f, 1.1f, 1.2f, 1.3f, 1.4f, 1.5f, 1.6f, 1.7f};
  const float m = 0.999999f, c = 1e-7f;
  for (int64_t i = 0; i < iters; i++) {
    for (float& v : a) v = v * m + c;
    asm volatile("" : "+m"(a));
  }
  return 2.0 * 8 * iters;
}

#if !defined(__x86_64__)
double peak_ops_avx2(PeakKind, int64_t) { return 0; }
double peak_ops_avx2vnni(PeakKind, int64_t) { return 0; }
double peak_ops_avx512(PeakKind, int64_t) { return 0; }
double peak_ops_avx512bf16(int64_t) { return 0; }
#endif
#if !defined(__aarch64__)
double peak_ops_neon(PeakKind, int64_t) { return 0; }
double peak_ops_neondot(PeakKind, int64_t) { return 0; }
double peak_ops_neonmmla(PeakKind, int64_t) { return 0; }
#endif

static double probe(Isa isa, PeakKind kind, int64_t iters) {
  if (kind == PeakKind::Bf16Dot) {
    if (isa == Isa::Avx512Bf16) return peak_ops_avx512bf16(iters);
    if (isa == Isa::NeonMmla) return peak_ops_neonmmla(kind, iters);
    kind = PeakKind::F32Fma;
  }
  switch (isa) {
    case Isa::Avx2: return peak_ops_avx2(kind, iters);
    case Isa::Avx2Vnni: return peak_ops_avx2vnni(kind, iters);
    case Isa::Avx512:
    case Isa::Avx512Bf16: return peak_ops_avx512(kind, iters);
    case Isa::Neon: return peak_ops_neon(kind, iters);
    case Isa::NeonDot: return peak_ops_neondot(kind, iters);
    case Isa::NeonMmla: return peak_ops_neonmmla(kind, iters);
    default: return peak_ops_scalar(kind, iters);
  }
}

static double peak_gops(int32_t kind, int32_t threads) {
  PeakKind k = kind == 1 ? PeakKind::Int8Dot : kind == 2 ? PeakKind::Bf16Dot : PeakKind::F32Fma;
  Isa isa = active_isa();
  int n = threads < 1 ? 1 : threads;
  // Calibrate so one run takes ~100 ms on one thread.
  int64_t iters = 1 << 16;
  for (;;) {
    auto t0 = std::chrono::steady_clock::now();
    probe(isa, k, iters);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s > 0.05 || iters > (int64_t(1) << 40)) break;
    iters *= 4;
  }
  std::vector<double> ops(n);
  std::vector<std::thread> team;
  team.reserve(n);
  auto t0 = std::chrono::steady_clock::now();
  try {
    for (int t = 0; t < n; t++) team.emplace_back([&, t] { ops[t] = probe(isa, k, iters); });
  } catch (...) {
    // A thread that could not be created: join the others before the error goes up.
    for (auto& th : team) th.join();
    throw;
  }
  for (auto& th : team) th.join();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double total = 0;
  for (double o : ops) total += o;
  return total / s / 1e9;
}

}  // namespace ember

extern "C" double ember_peak_gops(int32_t kind, int32_t threads) {
  return ember::guard_value("ember_peak_gops", -1.0, [&] { return ember::peak_gops(kind, threads); });
}
