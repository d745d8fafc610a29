// NEON + BF16 variant (Armv8.6 BF16: Neoverse V1, N2 and V2, Graviton 3 and 4): the NEON dotprod
// table, with bf16 weights multiplied by BFMMLA, which takes a 2 x 4 matrix of bf16 weights (two
// rows, four columns) and a 2 x 4 matrix of bf16 activations (two rows of the input) and adds
// their 2 x 2 product into four f32 lanes: 16 multiply-adds per instruction, four times an f32
// FMA, and the weights are never converted. As on avx512-bf16, the activations are rounded to
// bf16 (nearest even) once per product, by pack_bf16, and this holds only for products of
// kBf16DotMinRows activation rows or more; fewer rows keep the exact dotprod tiles, which stream
// the weights at the memory's rate.
//
// Tiles: 6 weight rows (3 row pairs) by one group of 12 activation rows (6 row pairs), 18
// accumulators of 2 x 2 sums. Per four columns, each row pair is one 128-bit vector built from two
// 64-bit loads of the rows (no repacking of the weights), and each activation pair one load from
// pack_bf16's tiles, laid out for exactly that: per group and four columns, the 6 pairs' 16 bytes
// [row 2j: 4 bf16 | row 2j + 1: 4 bf16] side by side. Columns run in slabs, so a block of 6 rows
// stays in L1 while every group passes over it, and the partial sums live in y between slabs.
// The instruction ignores FPCR (bf16 denormal inputs count as zero, and its own rounding of the
// sums applies); the variant tests hold it to the bound avx512-bf16 meets.
#include <arm_neon.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/isa_compiled.h"
#include "linear/kernels.h"

namespace ember {
namespace neonbf16 {
namespace {

// 3 row pairs: 18 accumulators, 3 row pairs and all 6 activation pairs fit the 32 registers even
// when the compiler hoists every load of a step (with 4 row pairs it did, and spilled 5 accumulators).
constexpr int kRowPairs = 3;
constexpr int kRows = 2 * kRowPairs;           // weight rows per micro step
constexpr int kTokens = kBf16TileTokens;       // activation rows per micro step: one tile group
constexpr int kTokenPairs = kTokens / 2;
static_assert(kTokens % 2 == 0, "groups hold whole pairs of rows");
constexpr int64_t kQuadBytes = kTokenPairs * 16;  // four columns of a group
constexpr int64_t kSlabQuads = 128;              // columns per slab / 4: 6 KiB of weights for 6 rows
constexpr int64_t kChunkRows = 96;               // rows whose partial sums (every group's) stay in L2

// Bytes of one group of tiles for cols columns (within the scratch linear_scratch_bytes counts).
inline int64_t group_bytes(int64_t cols) { return (cols + 3) / 4 * kQuadBytes; }

using Acc = float32x4_t[kRowPairs][kTokenPairs];

// The kRows rows at wp times the group whose tiles start at tile, over quads [q0, q1), all within
// the rows (4 * q1 <= cols).
inline void quads(const bfloat16_t* const (&wp)[kRows], const uint8_t* tile, int64_t q0, int64_t q1, Acc& acc) {
  for (int64_t q = q0; q < q1; q++) {
    bfloat16x8_t a[kRowPairs];
    for (int i = 0; i < kRowPairs; i++) a[i] = vcombine_bf16(vld1_bf16(wp[2 * i] + 4 * q), vld1_bf16(wp[2 * i + 1] + 4 * q));
    const bfloat16_t* rec = (const bfloat16_t*)(tile + q * kQuadBytes);
    for (int j = 0; j < kTokenPairs; j++) {
      const bfloat16x8_t b = vld1q_bf16(rec + 8 * j);
      for (int i = 0; i < kRowPairs; i++) acc[i][j] = vbfmmlaq_f32(acc[i][j], a[i], b);
    }
  }
}

// Rows [r, r + kRows) of y (those below c1) for the rows of group g in [t0, t1), from acc; adds to y
// unless first. acc[i][j] lanes: (row 2i, token 2j), (2i, 2j + 1), (2i + 1, 2j), (2i + 1, 2j + 1).
inline void store(const Acc& acc, int64_t r, int64_t c1, int64_t g, int64_t t0, int64_t t1, bool first, float* y,
                  int64_t ldy) {
  for (int j = 0; j < kTokenPairs; j++) {
    for (int i = 0; i < kRowPairs; i++) {
      float v[4];
      vst1q_f32(v, acc[i][j]);
      for (int e = 0; e < 4; e++) {
        const int64_t row = r + 2 * i + (e >> 1), t = g * kTokens + 2 * j + (e & 1);
        if (row >= c1 || t < t0 || t >= t1) continue;
        float& out = y[t * ldy + row];
        out = first ? v[e] : out + v[e];
      }
    }
  }
}

// y[t][r] for rows [c0, c1) and tokens [t0, t1): slabs of columns outside, blocks of kRows rows inside
// (rows past c1 repeat row c1 - 1 and are dropped), every group over the block's slab.
void chunk_rows(const WeightView& w, const uint8_t* tiles, int64_t c0, int64_t c1, int64_t t0, int64_t t1, float* y,
                int64_t ldy) {
  const int64_t cols = w.cols, all = (cols + 3) / 4, full = cols / 4, stride = group_bytes(cols);
  const int64_t g0 = t0 / kTokens, g1 = (t1 - 1) / kTokens + 1;
  for (int64_t s0 = 0; s0 < all; s0 += kSlabQuads) {
    const int64_t s1 = std::min(all, s0 + kSlabQuads);
    for (int64_t r = c0; r < c1; r += kRows) {
      const bfloat16_t* wp[kRows];
      for (int i = 0; i < kRows; i++) wp[i] = (const bfloat16_t*)(w.data + std::min(r + i, c1 - 1) * w.row_bytes);
      // A last quad past the end of the rows comes from zero-padded copies (in memory, not
      // registers: quads() needs all but three of them).
      const bool has_tail = s1 > full;
      bfloat16_t pad[kRows][4];
      const bfloat16_t* tail[kRows];
      if (has_tail) {
        std::memset(pad, 0, sizeof pad);
        for (int i = 0; i < kRows; i++) {
          std::memcpy(pad[i], wp[i] + 4 * full, (cols - 4 * full) * 2);
          tail[i] = pad[i];
        }
      }
      for (int64_t g = g0; g < g1; g++) {
        const uint8_t* tile = tiles + g * stride;
        Acc acc;
        for (int i = 0; i < kRowPairs; i++)
          for (int j = 0; j < kTokenPairs; j++) acc[i][j] = vdupq_n_f32(0.0f);
        quads(wp, tile, s0, std::min(s1, full), acc);
        if (has_tail) quads(tail, tile + full * kQuadBytes, 0, 1, acc);
        store(acc, r, c1, g, t0, t1, s0 == 0, y, ldy);
      }
    }
  }
}

void bf16_dot_tile(const WeightView& w, const uint8_t* tiles, int64_t r0, int64_t r1, int64_t t0, int64_t t1,
                   float* y, int64_t ldy) {
  for (int64_t c0 = r0; c0 < r1; c0 += kChunkRows) chunk_rows(w, tiles, c0, std::min(r1, c0 + kChunkRows), t0, t1, y, ldy);
}

// Groups [g0, g1) of kTokens rows of x [T][cols] rounded to bf16 into tiles: per group and four
// columns, each pair of rows as [4 values of the first | 4 of the second]. Columns past cols are
// zero; rows past T repeat row T - 1.
void pack_bf16(const float* x, int64_t T, int64_t cols, int64_t g0, int64_t g1, uint8_t* tiles) {
  const int64_t all = (cols + 3) / 4, full = cols / 4;
  for (int64_t g = g0; g < g1; g++) {
    uint8_t* group = tiles + g * group_bytes(cols);
    for (int j = 0; j < kTokenPairs; j++) {
      const float* lo = x + std::min<int64_t>(g * kTokens + 2 * j, T - 1) * cols;
      const float* hi = x + std::min<int64_t>(g * kTokens + 2 * j + 1, T - 1) * cols;
      for (int64_t q = 0; q < all; q++) {
        float32x4_t a, b;
        if (q < full) {
          a = vld1q_f32(lo + 4 * q);
          b = vld1q_f32(hi + 4 * q);
        } else {
          float pa[4] = {}, pb[4] = {};
          std::memcpy(pa, lo + 4 * q, (cols - 4 * q) * 4);
          std::memcpy(pb, hi + 4 * q, (cols - 4 * q) * 4);
          a = vld1q_f32(pa);
          b = vld1q_f32(pb);
        }
        vst1q_bf16((bfloat16_t*)(group + q * kQuadBytes + 16 * j), vcombine_bf16(vcvt_bf16_f32(a), vcvt_bf16_f32(b)));
      }
    }
  }
}

}  // namespace
}  // namespace neonbf16

const LinearKernels& neonbf16_kernels() {
  static const LinearKernels k = [] {
    LinearKernels t = neondot_kernels();
    t.pack_bf16 = neonbf16::pack_bf16;
    t.bf16_dot = neonbf16::bf16_dot_tile;
    return t;
  }();
  return k;
}

namespace compiled {
extern const FeatureSet kLinearNeonBf16 = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
