// Run-time choice of the kernel variant (never -march=native: one binary runs everywhere).
//
//   switch (active_isa()) { case Isa::Avx2: ... }
//
// x86-64: Scalar (baseline x86-64, SSE2), Avx2 (AVX2+FMA+F16C), Avx512 (F/BW/VL/VNNI).
// aarch64: Neon (ARMv8 Advanced SIMD), NeonDot (+ SDOT, ARMv8.2 dotprod).
#pragma once

namespace ember {

enum class Isa { Scalar, Avx2, Avx512, Neon, NeonDot };

// The best variant this CPU supports, unless a test forced another.
Isa active_isa();
// Best variant this CPU supports.
Isa detected_isa();
bool isa_supported(Isa isa);
// Forces a variant (must be supported); used by tests to compare variants.
void force_isa(Isa isa);
const char* isa_name(Isa isa);
bool isa_from_name(const char* name, Isa* out);

}  // namespace ember
