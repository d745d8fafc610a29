// Per-ISA kernel table behind linear(): each variant (linear_scalar.cpp, linear_avx2.cpp,
// linear_avx512.cpp, linear_avx512bf16.cpp, linear_neon.cpp, linear_neondot.cpp) fills one
// LinearKernels.
//
//   const LinearKernels& k = kernels_for(active_isa());
//   k.q8_0(w, act, r0, r1, t0, t1, y, ldy);   // y[t][r] for the tile, no bias
//
// Only plain structs and declarations live here: the ISA translation units are compiled
// with extra -m flags, so they must not share inline code with the portable ones (the
// linker could keep an AVX-512 copy of a shared inline function for everyone).
#pragma once

#include <cstdint>

#include "core/isa.h"

namespace ember {

constexpr int kBlockValues = 32;         // values per quantized block
constexpr int64_t kQ8Bytes = 34;        // f16 scale + 32 int8
constexpr int64_t kQ4Bytes = 18;        // f16 scale + 16 bytes of nibbles

// Activation rows quantized to 8-bit blocks (ggml Q8_0 formula, scale kept as f32):
// row t has int8 q[t * cols + k], scale d[t * nb + b] and block sum sum[t * nb + b] (sum of
// the 32 int8 values, used by Q4_0 kernels to apply the -8 offset once per block). A variant
// may store q in its own encoding, read only by its own tiles (all variants keep plain int8 today),
// and may add a packed copy for its T >= 2 tiles (pack_act).
struct ActQ8 {
  const int8_t* q;
  const float* d;
  const int32_t* sum;
  int64_t cols;
  // The same rows re-laid for a variant's multi-row tiles by its pack_act (null when it has none):
  // groups of kActTileTokens rows, kActTileBlockBytes per group and block, in the variant's layout.
  const uint8_t* tiles = nullptr;
};

// Rows per group of ActQ8::tiles, and bytes per group and block: room for the rows' 32 values,
// scale and two 32-bit words each.
constexpr int kActTileTokens = 8;
constexpr int64_t kActTileBlockBytes = kActTileTokens * (kBlockValues + 3 * 4);

// Rows per group of a variant's bf16 activation tiles (pack_bf16), laid out as the variant's
// bf16_dot reads them (avx512-bf16: per pair of columns, each row's pair side by side; neon-mmla:
// per four columns, each pair of rows' four values side by side).
constexpr int kBf16TileTokens = 12;
// Fewest activation rows a product takes the bf16 tiles for: below, the weights stream from memory
// for few rows each, which the exact float tiles do faster (Zen 5, 0.5b shapes: 1.5x slower at 2
// rows, even at 16).
constexpr int64_t kBf16DotMinRows = 16;

// Weight view handed to tile kernels: row r starts at data + r * row_bytes, or, where panel_bytes
// is not 0, the weights are in the variant's panel layout (pack_panels) and rows r..r + 15 of
// panel r / 16 start at data + r / 16 * panel_bytes.
struct WeightView {
  const uint8_t* data;
  int64_t row_bytes;
  int64_t cols;
  int64_t panel_bytes = 0;
};

// Computes y[t * ldy + r] = dot(W[r], x[t]) for r in [r0, r1), t in [t0, t1) (no bias).
using QuantTileFn = void (*)(const WeightView& w, const ActQ8& a, int64_t r0, int64_t r1, int64_t t0,
                             int64_t t1, float* y, int64_t ldy);
using FloatTileFn = void (*)(const WeightView& w, const float* x, int64_t r0, int64_t r1, int64_t t0,
                             int64_t t1, float* y, int64_t ldy);
// Quantizes n_blocks blocks of 32 floats into q/d/sum (exactly the portable formula).
using QuantizeActFn = void (*)(const float* x, int64_t n_blocks, int8_t* q, float* d, int32_t* sum);
// Re-lays the quantized rows of groups [g0, g1) of a (T rows) into tiles (each group takes
// kActTileBlockBytes per block of a row).
using PackActFn = void (*)(const ActQ8& a, int64_t T, int64_t g0, int64_t g1, uint8_t* tiles);
// Rounds groups [g0, g1) of kBf16TileTokens rows of x [T][cols] to bf16 into tiles, each group
// taking at most (cols + 3) / 4 * 8 * kBf16TileTokens bytes.
using PackBf16Fn = void (*)(const float* x, int64_t T, int64_t cols, int64_t g0, int64_t g1, uint8_t* tiles);
// The FloatTileFn of bf16 weights over pack_bf16's tiles of the activations.
using Bf16DotTileFn = void (*)(const WeightView& w, const uint8_t* tiles, int64_t r0, int64_t r1, int64_t t0,
                               int64_t t1, float* y, int64_t ldy);
// Packs panels [p0, p1) of 16 rows of the row-major Q8_0/Q4_0 weights w (rows of them) into dst, each
// panel_bytes (panel_layout_bytes) apart: per panel, every block's 16 rows side by side (the
// variant's vectors), then every block's 16 f16 scales. Rows past the last repeat it.
using PackPanelsFn = void (*)(const WeightView& w, int32_t dtype, int64_t rows, int64_t p0, int64_t p1,
                              int64_t panel_bytes, uint8_t* dst);

struct LinearKernels {
  QuantTileFn q8_0;
  QuantTileFn q4_0;
  FloatTileFn f32;
  FloatTileFn f16;
  FloatTileFn bf16;
  QuantizeActFn quantize_act;
  PackActFn pack_act = nullptr;  // null: the variant's tiles read q, d and sum only
  // Both null unless the variant multiplies bf16 weights by bf16 activations (which rounds the
  // activations to bf16) for T >= kBf16DotMinRows; bf16 above serves fewer rows.
  PackBf16Fn pack_bf16 = nullptr;
  Bf16DotTileFn bf16_dot = nullptr;
  // Null unless the variant's quantized tiles also read weights pre-packed into panels of 16 rows
  // (WeightView::panel_bytes): then every product, T = 1 included, reads them.
  PackPanelsFn pack_panels = nullptr;
};

// Rows per panel of the panel layout, and the bytes of one panel of Q8_0/Q4_0 weights of cols columns
// (linear.cpp): 16 rows' values (as many bytes as the rows take, less their scales), then their f16
// scales, padded to 64 bytes.
constexpr int64_t kPanelRows = 16;
int64_t panel_bytes_of(int32_t dtype, int64_t cols);

const LinearKernels& scalar_kernels();
#if defined(__x86_64__)
const LinearKernels& avx2_kernels();
const LinearKernels& avx2vnni_kernels();
const LinearKernels& avx512_kernels();
const LinearKernels& avx512bf16_kernels();
#endif
#if defined(__aarch64__)
const LinearKernels& neon_kernels();
const LinearKernels& neondot_kernels();
const LinearKernels& neonmmla_kernels();
#endif

// The table of the given (supported) variant.
const LinearKernels& kernels_for(Isa isa);

}  // namespace ember
