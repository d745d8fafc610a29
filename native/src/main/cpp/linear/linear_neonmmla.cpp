// NEON matrix-multiply variant (Armv8.6 BF16 and I8MM: Neoverse V1, N2 and V2, Graviton 3 and 4):
// the NEON dotprod table, with products of two activation rows or more on the Armv8.6 matrix
// instructions. Each takes a 2 x k matrix of weights (two rows) and a 2 x k matrix of activations
// (two input rows) and adds their 2 x 2 product into four 32-bit lanes. The weights are read as
// they lie in memory: a row pair's k values come from two 64-bit loads (bf16) or from 128-bit loads
// of both rows and one zip (int8).
//  - bf16 weights, BFMMLA (k = 4, f32 sums): 16 multiply-adds per instruction, four times an f32
//    FMA, and the weights are never converted. As on avx512-bf16, the activations are rounded to
//    bf16 (nearest even) once per product, by pack_bf16, and this holds only for products of
//    kBf16DotMinRows activation rows or more; fewer rows keep the exact dotprod tiles, which stream
//    the weights at the memory's rate. The instruction ignores FPCR (bf16 denormal inputs count as
//    zero, and its own rounding of the sums applies); the variant tests hold it to the bound
//    avx512-bf16 meets.
//  - Q8_0/Q4_0 weights, SMMLA (k = 8, int32 sums): 32 multiply-adds per instruction, twice SDOT.
//    Four per block of 32 values and row pair x activation pair, then one convert, multiply (the
//    four scale products) and FMA. The activations are those every variant multiplies (8-bit blocks
//    of 32), re-laid by pack_act; Q4_0 nibbles are unpacked to int8 (q - 8) per row pair and block.
//    One activation row (decode) keeps the dotprod tiles.
// Both run columns in slabs, so a block of rows stays in L1 while every group of activation rows
// passes over it, and the partial sums live in y between slabs.
#include <arm_neon.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/isa_compiled.h"
#include "ember.h"
#include "linear/kernels.h"

namespace ember {
namespace neonmmla {
namespace {

// Adds (or, when first, stores) a tile of 2 x 2 sums to y: rows [r, r + 2 RP) below c1 by rows
// [t, t + 2 TP) of the activations within [t0, t1). acc[i][j] lanes: (row 2i, token 2j),
// (2i, 2j + 1), (2i + 1, 2j), (2i + 1, 2j + 1).
template <int RP, int TP>
inline void store(const float32x4_t (&acc)[RP][TP], int64_t r, int64_t c1, int64_t t, int64_t t0, int64_t t1,
                  bool first, float* y, int64_t ldy) {
  for (int j = 0; j < TP; j++) {
    for (int i = 0; i < RP; i++) {
      float v[4];
      vst1q_f32(v, acc[i][j]);
      for (int e = 0; e < 4; e++) {
        const int64_t row = r + 2 * i + (e >> 1), tt = t + 2 * j + (e & 1);
        if (row >= c1 || tt < t0 || tt >= t1) continue;
        float& out = y[tt * ldy + row];
        out = first ? v[e] : out + v[e];
      }
    }
  }
}

// bf16 tiles: 6 weight rows (3 row pairs) by one group of 12 activation rows (6 row pairs), 18
// accumulators of 2 x 2 sums. Per four columns, the activation pairs come from pack_bf16's tiles,
// laid out for exactly that: per group and four columns, the 6 pairs' 16 bytes [row 2j: 4 bf16 |
// row 2j + 1: 4 bf16] side by side. 3 row pairs: the accumulators, the row pairs and all 6
// activation pairs fit the 32 registers even when the compiler hoists every load of a step (with 4
// row pairs it did, and spilled 5 accumulators).
constexpr int kRowPairs = 3;
constexpr int kRows = 2 * kRowPairs;           // weight rows per micro step
constexpr int kTokens = kBf16TileTokens;       // activation rows per micro step: one tile group
constexpr int kTokenPairs = kTokens / 2;
static_assert(kTokens % 2 == 0, "groups hold whole pairs of rows");
constexpr int64_t kQuadBytes = kTokenPairs * 16;  // four columns of a group
constexpr int64_t kSlabQuads = 128;              // columns per slab / 4: 6 KiB of weights for 6 rows

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

// y[t][r] for rows [c0, c1) and tokens [t0, t1): slabs of columns outside, blocks of kRows rows inside
// (rows past c1 repeat row c1 - 1 and are dropped), every group over the block's slab.
void bf16_dot_tile(const WeightView& w, const uint8_t* tiles, int64_t c0, int64_t c1, int64_t t0, int64_t t1,
                   float* y, int64_t ldy) {
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
        store(acc, r, c1, g * kTokens, t0, t1, s0 == 0, y, ldy);
      }
    }
  }
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

// Quantized tiles: 4 weight rows (2 row pairs) by one group of kActTileTokens = 8 activation rows
// (4 pairs): per block, 8 row-pair vectors (4 chunks of 8 values for each pair), 8 accumulators,
// 2 block sums and one activation pair in registers. pack_act's record of a group and block holds,
// per chunk of 8 values, the 4 pairs' 16 bytes [row 2p: 8 int8 | row 2p + 1: 8 int8] side by side,
// then per pair the scales [d(2p), d(2p + 1), d(2p), d(2p + 1)] as the lanes of a sum want them.
constexpr int kQRowPairs = 2;
constexpr int kQRows = 2 * kQRowPairs;
constexpr int kQPairs = kActTileTokens / 2;
static_assert(kActTileTokens == 8, "a record holds 4 pairs of rows");
constexpr int64_t kQScales = 4 * kQPairs * 16;  // offset of the scales in a record
static_assert(kQScales + kQPairs * 16 <= kActTileBlockBytes, "a record fits the scratch's share");
constexpr int64_t kQSlab = 32;      // blocks per slab: 2 KiB of Q8_0 weights per row pair
constexpr int64_t kQChunkRows = 64;  // rows whose partial sums (every group's) stay in L2

using QAcc = float32x4_t[kQRowPairs][kQPairs];

// Block b of rows ra and rb as 4 chunks [ra: 8 values | rb: 8 values] of signed int8, and the
// scales [d(ra), d(ra), d(rb), d(rb)].
template <int DT>
inline void row_pair(const uint8_t* ra, const uint8_t* rb, int64_t b, int8x16_t (&c)[4], float32x4_t* d) {
  constexpr int64_t kBytes = DT == EMBER_Q8_0 ? kQ8Bytes : kQ4Bytes;
  const uint8_t* pa = ra + b * kBytes;
  const uint8_t* pb = rb + b * kBytes;
  int64x2_t a0, a1, b0, b1;  // values 0-15 and 16-31 of each row
  if constexpr (DT == EMBER_Q8_0) {
    a0 = vreinterpretq_s64_u8(vld1q_u8(pa + 2));
    a1 = vreinterpretq_s64_u8(vld1q_u8(pa + 18));
    b0 = vreinterpretq_s64_u8(vld1q_u8(pb + 2));
    b1 = vreinterpretq_s64_u8(vld1q_u8(pb + 18));
  } else {  // low nibbles are values 0-15, high nibbles 16-31, each q - 8
    const uint8x16_t qa = vld1q_u8(pa + 2), qb = vld1q_u8(pb + 2), low = vdupq_n_u8(0x0F);
    const int8x16_t eight = vdupq_n_s8(8);
    a0 = vreinterpretq_s64_s8(vsubq_s8(vreinterpretq_s8_u8(vandq_u8(qa, low)), eight));
    a1 = vreinterpretq_s64_s8(vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(qa, 4)), eight));
    b0 = vreinterpretq_s64_s8(vsubq_s8(vreinterpretq_s8_u8(vandq_u8(qb, low)), eight));
    b1 = vreinterpretq_s64_s8(vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(qb, 4)), eight));
  }
  c[0] = vreinterpretq_s8_s64(vzip1q_s64(a0, b0));
  c[1] = vreinterpretq_s8_s64(vzip2q_s64(a0, b0));
  c[2] = vreinterpretq_s8_s64(vzip1q_s64(a1, b1));
  c[3] = vreinterpretq_s8_s64(vzip2q_s64(a1, b1));
  uint16x4_t h = vld1_dup_u16((const uint16_t*)pa);
  h = vld1_lane_u16((const uint16_t*)pb, h, 2);
  h = vld1_lane_u16((const uint16_t*)pb, h, 3);
  *d = vcvt_f32_f16(vreinterpret_f16_u16(h));
}

// acc += rows wp[0..3] times the group whose records start at rec, over blocks [b0, b1).
template <int DT>
inline void q_blocks(const uint8_t* const (&wp)[kQRows], const uint8_t* rec, int64_t b0, int64_t b1, QAcc& acc) {
  rec += b0 * kActTileBlockBytes;
  for (int64_t b = b0; b < b1; b++, rec += kActTileBlockBytes) {
    int8x16_t c[kQRowPairs][4];
    float32x4_t dw[kQRowPairs];
    for (int i = 0; i < kQRowPairs; i++) row_pair<DT>(wp[2 * i], wp[2 * i + 1], b, c[i], &dw[i]);
    for (int p = 0; p < kQPairs; p++) {
      int32x4_t sum[kQRowPairs];
      for (int i = 0; i < kQRowPairs; i++) sum[i] = vdupq_n_s32(0);
      for (int k = 0; k < 4; k++) {
        const int8x16_t a = vld1q_s8((const int8_t*)rec + (k * kQPairs + p) * 16);
        for (int i = 0; i < kQRowPairs; i++) sum[i] = vmmlaq_s32(sum[i], c[i][k], a);
      }
      const float32x4_t da = vld1q_f32((const float*)(rec + kQScales) + 4 * p);
      for (int i = 0; i < kQRowPairs; i++) {
        acc[i][p] = vfmaq_f32(acc[i][p], vcvtq_f32_s32(sum[i]), vmulq_f32(dw[i], da));
      }
    }
  }
}

// y[t][r] for rows [r0, r1) and activation rows [t0, t1) from pack_act's records: chunks of rows,
// slabs of blocks, blocks of 4 rows (rows past the chunk repeat its last and are dropped), every
// group of the activation rows over the block's slab.
template <int DT>
void q_tile(const WeightView& w, const ActQ8& a, int64_t r0, int64_t r1, int64_t t0, int64_t t1, float* y,
            int64_t ldy) {
  const int64_t nb = w.cols / kBlockValues;
  const int64_t g0 = t0 / kActTileTokens, g1 = (t1 - 1) / kActTileTokens + 1;
  for (int64_t c0 = r0; c0 < r1; c0 += kQChunkRows) {
    const int64_t c1 = std::min(r1, c0 + kQChunkRows);
    for (int64_t s0 = 0; s0 < nb; s0 += kQSlab) {
      const int64_t s1 = std::min(nb, s0 + kQSlab);
      for (int64_t r = c0; r < c1; r += kQRows) {
        const uint8_t* wp[kQRows];
        for (int i = 0; i < kQRows; i++) wp[i] = w.data + std::min(r + i, c1 - 1) * w.row_bytes;
        for (int64_t g = g0; g < g1; g++) {
          QAcc acc;
          for (int i = 0; i < kQRowPairs; i++)
            for (int p = 0; p < kQPairs; p++) acc[i][p] = vdupq_n_f32(0.0f);
          q_blocks<DT>(wp, a.tiles + g * nb * kActTileBlockBytes, s0, s1, acc);
          store(acc, r, c1, g * kActTileTokens, t0, t1, s0 == 0, y, ldy);
        }
      }
    }
  }
}

// One activation row (no records) takes the dotprod table's tiles.
void q8_0_tile(const WeightView& w, const ActQ8& a, int64_t r0, int64_t r1, int64_t t0, int64_t t1, float* y,
               int64_t ldy) {
  if (a.tiles == nullptr) return neondot_kernels().q8_0(w, a, r0, r1, t0, t1, y, ldy);
  q_tile<EMBER_Q8_0>(w, a, r0, r1, t0, t1, y, ldy);
}

void q4_0_tile(const WeightView& w, const ActQ8& a, int64_t r0, int64_t r1, int64_t t0, int64_t t1, float* y,
               int64_t ldy) {
  if (a.tiles == nullptr) return neondot_kernels().q4_0(w, a, r0, r1, t0, t1, y, ldy);
  q_tile<EMBER_Q4_0>(w, a, r0, r1, t0, t1, y, ldy);
}

// Groups [g0, g1) of kActTileTokens quantized rows of a (T rows) into records, one per group and
// block (kActTileBlockBytes apart, the layout above); rows past T repeat row T - 1.
void pack_act(const ActQ8& a, int64_t T, int64_t g0, int64_t g1, uint8_t* tiles) {
  const int64_t nb = a.cols / kBlockValues;
  for (int64_t g = g0; g < g1; g++) {
    for (int p = 0; p < kQPairs; p++) {
      const int64_t lo = std::min<int64_t>(g * kActTileTokens + 2 * p, T - 1);
      const int64_t hi = std::min<int64_t>(g * kActTileTokens + 2 * p + 1, T - 1);
      for (int64_t b = 0; b < nb; b++) {
        uint8_t* rec = tiles + (g * nb + b) * kActTileBlockBytes;
        const int64x2_t x0 = vreinterpretq_s64_s8(vld1q_s8(a.q + lo * a.cols + b * kBlockValues));
        const int64x2_t x1 = vreinterpretq_s64_s8(vld1q_s8(a.q + lo * a.cols + b * kBlockValues + 16));
        const int64x2_t z0 = vreinterpretq_s64_s8(vld1q_s8(a.q + hi * a.cols + b * kBlockValues));
        const int64x2_t z1 = vreinterpretq_s64_s8(vld1q_s8(a.q + hi * a.cols + b * kBlockValues + 16));
        vst1q_s64((int64_t*)(rec + (0 * kQPairs + p) * 16), vzip1q_s64(x0, z0));
        vst1q_s64((int64_t*)(rec + (1 * kQPairs + p) * 16), vzip2q_s64(x0, z0));
        vst1q_s64((int64_t*)(rec + (2 * kQPairs + p) * 16), vzip1q_s64(x1, z1));
        vst1q_s64((int64_t*)(rec + (3 * kQPairs + p) * 16), vzip2q_s64(x1, z1));
        const float dl = a.d[lo * nb + b], dh = a.d[hi * nb + b];
        const float d[4] = {dl, dh, dl, dh};
        std::memcpy(rec + kQScales + 16 * p, d, sizeof d);
      }
    }
  }
}

}  // namespace
}  // namespace neonmmla

const LinearKernels& neonmmla_kernels() {
  static const LinearKernels k = [] {
    LinearKernels t = neondot_kernels();
    t.q8_0 = neonmmla::q8_0_tile;
    t.q4_0 = neonmmla::q4_0_tile;
    t.pack_act = neonmmla::pack_act;
    t.pack_bf16 = neonmmla::pack_bf16;
    t.bf16_dot = neonmmla::bf16_dot_tile;
    return t;
  }();
  return k;
}

namespace compiled {
extern const FeatureSet kLinearNeonMmla = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
