// CPU feature detection and the (test-overridable) choice of kernel variant.
#include "core/isa.h"

#include <atomic>
#include <cstring>
#include <initializer_list>

#if defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace ember {

static bool cpu_has(Isa isa) {
  switch (isa) {
    case Isa::Scalar: return true;
#if defined(__x86_64__)
    case Isa::Avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    case Isa::Avx512:
      return cpu_has(Isa::Avx2) && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512vnni");
#endif
#if defined(__aarch64__)
    case Isa::Neon: return (getauxval(AT_HWCAP) & HWCAP_ASIMD) != 0;
    case Isa::NeonDot:
      return (getauxval(AT_HWCAP) & HWCAP_ASIMD) != 0 && (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0 &&
             (getauxval(AT_HWCAP) & HWCAP_FPHP) != 0 && (getauxval(AT_HWCAP) & HWCAP_ASIMDHP) != 0;
#endif
    default: return false;
  }
}

bool isa_supported(Isa isa) { return cpu_has(isa); }

Isa detected_isa() {
  static const Isa best = [] {
    for (Isa isa : {Isa::Avx512, Isa::Avx2, Isa::NeonDot, Isa::Neon}) {
      if (cpu_has(isa)) return isa;
    }
    return Isa::Scalar;
  }();
  return best;
}

static std::atomic<int> forced{-1};

Isa active_isa() {
  int f = forced.load(std::memory_order_relaxed);
  return f >= 0 ? (Isa)f : detected_isa();
}

void force_isa(Isa isa) {
  if (isa_supported(isa)) forced.store((int)isa, std::memory_order_relaxed);
}

static const char* const kNames[] = {"scalar", "avx2", "avx512", "neon", "neon-dotprod"};

const char* isa_name(Isa isa) { return kNames[(int)isa]; }

bool isa_from_name(const char* name, Isa* out) {
  for (int i = 0; i < 5; i++) {
    if (std::strcmp(name, kNames[i]) == 0) {
      *out = (Isa)i;
      return true;
    }
  }
  return false;
}

}  // namespace ember
