// NEON + dotprod variant (ARMv8.2-A: Neoverse N1, Kunpeng 920): int8 block dot products with SDOT, in
// the shared NEON tiles for one activation row and in 8-row panels (below) for two or more.
#include <arm_neon.h>

#include <algorithm>
#include <cstring>

#include "core/isa_compiled.h"

namespace ember {
namespace neondot {
namespace {

struct Dot32 {
  static int32x4_t dot(int8x16_t w0, int8x16_t w1, int8x16_t a0, int8x16_t a1) {
    return vdotq_s32(vdotq_s32(vdupq_n_s32(0), w0, a0), w1, a1);
  }
};

}  // namespace
}  // namespace neondot
}  // namespace ember

#define EMBER_NEON_NS neondot
#include "linear/neon_tiles.h"

namespace ember {
namespace neondot {
namespace {

// Products of two activation rows or more: 8 weight rows in two vectors of [row][4 bytes], so that one
// SDOT by lane advances 4 rows by 4 values of one activation row, the row's 4 bytes picked out of an
// activation vector by the lane index (no broadcast). A slab of kSlab blocks of the 8 rows is repacked
// on the stack (a 4 x 4 word transpose per vector: Q8 as is, Q4 unpacked to q - 8; signed x signed,
// so no corrections), then every half-group of 4 activation rows of pack_act's records runs over it:
// 8 block sums, 8 accumulators, 2 weight vectors and the activation vector per step, and per block one
// convert, multiply and FMA per 4 rows and activation row. Partial sums live in y between slabs.
constexpr int kPanelRows = 8;
constexpr int kSlab = 32;                 // blocks per slab: 8 KiB of repacked weights
constexpr int kHalf = kActTileTokens / 2;  // activation rows per micro step
static_assert(kActTileTokens == 8, "a record holds 8 rows: two halves of 4");
constexpr int64_t kStepBytes = 4 * kActTileTokens;        // one 4-value step of the 8 rows
constexpr int64_t kScales = 8 * kStepBytes;               // the rows' scales after the 8 steps
static_assert(kScales + kActTileTokens * 4 <= kActTileBlockBytes, "a record fits the scratch's share");

struct Slab {
  int8x16_t w[kSlab][2][8];  // [block][rows 0-3 | 4-7][step]
  float32x4_t d[kSlab][2];
};

// Block b of 4 rows into out[q] = [row 0: 4 values of step q | row 1 | row 2 | row 3], and their scales.
template <int DT>
inline void pack4(const uint8_t* const* rp, int64_t b, int8x16_t (&out)[8], float32x4_t* d) {
  constexpr int64_t kBytes = DT == EMBER_Q8_0 ? kQ8Bytes : kQ4Bytes;
  int32x4_t r[4][2];  // values 0-15 and 16-31 of each row
  uint16x4_t h = vdup_n_u16(0);
  for (int i = 0; i < 4; i++) {
    const uint8_t* blk = rp[i] + b * kBytes;
    if constexpr (DT == EMBER_Q8_0) {
      r[i][0] = vreinterpretq_s32_u8(vld1q_u8(blk + 2));
      r[i][1] = vreinterpretq_s32_u8(vld1q_u8(blk + 18));
    } else {
      const uint8x16_t q = vld1q_u8(blk + 2);
      const int8x16_t eight = vdupq_n_s8(8);
      r[i][0] = vreinterpretq_s32_s8(vsubq_s8(vreinterpretq_s8_u8(vandq_u8(q, vdupq_n_u8(0x0F))), eight));
      r[i][1] = vreinterpretq_s32_s8(vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), eight));
    }
    uint16_t f;
    std::memcpy(&f, blk, 2);
    h = vset_lane_u16(f, h, i);
  }
  for (int half = 0; half < 2; half++) {
    const int32x4_t t0 = vtrn1q_s32(r[0][half], r[1][half]), t1 = vtrn2q_s32(r[0][half], r[1][half]);
    const int32x4_t t2 = vtrn1q_s32(r[2][half], r[3][half]), t3 = vtrn2q_s32(r[2][half], r[3][half]);
    const auto zip = [](int32x4_t x, int32x4_t y, bool hi) {
      const int64x2_t a = vreinterpretq_s64_s32(x), c = vreinterpretq_s64_s32(y);
      return vreinterpretq_s8_s64(hi ? vzip2q_s64(a, c) : vzip1q_s64(a, c));
    };
    out[4 * half + 0] = zip(t0, t2, false);
    out[4 * half + 1] = zip(t1, t3, false);
    out[4 * half + 2] = zip(t0, t2, true);
    out[4 * half + 3] = zip(t1, t3, true);
  }
  *d = vcvt_f32_f16(vreinterpret_f16_u16(h));
}

// Rows [r, r + 8) of y (those below r1) for the 4 activation rows of half `half` of group g (those in
// [t0, t1)) over the slab's n blocks from b0; adds to y unless first.
void half_group(const Slab& s, int n, const ActQ8& a, int64_t nb, int64_t b0, int64_t g, int half, int64_t t0,
                int64_t t1, bool first, int64_t r, int64_t r1, float* y, int64_t ldy) {
  const int64_t tbase = g * kActTileTokens + half * kHalf;
  float32x4_t acc[2][kHalf];
  for (int v = 0; v < 2; v++) {
    for (int t = 0; t < kHalf; t++) {
      const int64_t tt = tbase + t, row = r + 4 * v;
      acc[v][t] = vdupq_n_f32(0.0f);
      if (!first && tt >= t0 && tt < t1) {
        float cur[4] = {};
        for (int e = 0; e < 4 && row + e < r1; e++) cur[e] = y[tt * ldy + row + e];
        acc[v][t] = vld1q_f32(cur);
      }
    }
  }
  const uint8_t* rec = a.tiles + (g * nb + b0) * kActTileBlockBytes;
  for (int k = 0; k < n; k++, rec += kActTileBlockBytes) {
    int32x4_t isum[2][kHalf];
    for (int v = 0; v < 2; v++)
      for (int t = 0; t < kHalf; t++) isum[v][t] = vdupq_n_s32(0);
    for (int q = 0; q < 8; q++) {
      const int8x16_t x = vld1q_s8((const int8_t*)rec + q * kStepBytes + 16 * half);
      const int8x16_t w0 = s.w[k][0][q], w1 = s.w[k][1][q];
      isum[0][0] = vdotq_laneq_s32(isum[0][0], w0, x, 0);
      isum[1][0] = vdotq_laneq_s32(isum[1][0], w1, x, 0);
      isum[0][1] = vdotq_laneq_s32(isum[0][1], w0, x, 1);
      isum[1][1] = vdotq_laneq_s32(isum[1][1], w1, x, 1);
      isum[0][2] = vdotq_laneq_s32(isum[0][2], w0, x, 2);
      isum[1][2] = vdotq_laneq_s32(isum[1][2], w1, x, 2);
      isum[0][3] = vdotq_laneq_s32(isum[0][3], w0, x, 3);
      isum[1][3] = vdotq_laneq_s32(isum[1][3], w1, x, 3);
    }
    const float32x4_t ad = vld1q_f32((const float*)(rec + kScales) + half * kHalf);
    for (int v = 0; v < 2; v++) {
      const float32x4_t dw = s.d[k][v];
      acc[v][0] = vfmaq_f32(acc[v][0], vcvtq_f32_s32(isum[v][0]), vmulq_laneq_f32(dw, ad, 0));
      acc[v][1] = vfmaq_f32(acc[v][1], vcvtq_f32_s32(isum[v][1]), vmulq_laneq_f32(dw, ad, 1));
      acc[v][2] = vfmaq_f32(acc[v][2], vcvtq_f32_s32(isum[v][2]), vmulq_laneq_f32(dw, ad, 2));
      acc[v][3] = vfmaq_f32(acc[v][3], vcvtq_f32_s32(isum[v][3]), vmulq_laneq_f32(dw, ad, 3));
    }
  }
  for (int v = 0; v < 2; v++) {
    for (int t = 0; t < kHalf; t++) {
      const int64_t tt = tbase + t, row = r + 4 * v;
      if (tt < t0 || tt >= t1 || row >= r1) continue;
      if (row + 4 <= r1) {
        vst1q_f32(y + tt * ldy + row, acc[v][t]);
      } else {
        float out[4];
        vst1q_f32(out, acc[v][t]);
        for (int e = 0; row + e < r1; e++) y[tt * ldy + row + e] = out[e];
      }
    }
  }
}

template <int DT>
void panel_tile(const WeightView& w, const ActQ8& a, int64_t r0, int64_t r1, int64_t t0, int64_t t1, float* y,
                int64_t ldy) {
  const int64_t nb = w.cols / kBlockValues;
  const int64_t g0 = t0 / kActTileTokens, g1 = (t1 - 1) / kActTileTokens + 1;
  Slab slab;
  // Slabs outside, row blocks inside: every block reads the same columns of the activations, which
  // stay in L2 from one block to the next.
  for (int64_t b0 = 0; b0 < nb; b0 += kSlab) {
    const int n = nb - b0 < kSlab ? (int)(nb - b0) : kSlab;
    for (int64_t r = r0; r < r1; r += kPanelRows) {
      const uint8_t* rp[kPanelRows];
      for (int i = 0; i < kPanelRows; i++) rp[i] = w.data + std::min<int64_t>(r + i, r1 - 1) * w.row_bytes;
      // The same blocks of the next 8 rows are prefetched while these are repacked.
      const int64_t bytes = DT == EMBER_Q8_0 ? kQ8Bytes : kQ4Bytes, ahead = kPanelRows * w.row_bytes;
      for (int k = 0; k < n; k++) {
        for (int i = 0; i < kPanelRows; i++) __builtin_prefetch(rp[i] + (b0 + k) * bytes + ahead);
        for (int v = 0; v < 2; v++) pack4<DT>(rp + 4 * v, b0 + k, slab.w[k][v], &slab.d[k][v]);
      }
      for (int64_t g = g0; g < g1; g++) {
        for (int half = 0; half < 2; half++) {
          const int64_t lo = g * kActTileTokens + half * kHalf;
          if (lo + kHalf <= t0 || lo >= t1) continue;
          half_group(slab, n, a, nb, b0, g, half, t0, t1, b0 == 0, r, r1, y, ldy);
        }
      }
    }
  }
}

// One activation row (no records) takes the dot-product micro-kernels.
void q8_0_tile(const WeightView& w, const ActQ8& a, int64_t r0, int64_t r1, int64_t t0, int64_t t1, float* y,
               int64_t ldy) {
  if (a.tiles == nullptr) return kKernels.q8_0(w, a, r0, r1, t0, t1, y, ldy);
  panel_tile<EMBER_Q8_0>(w, a, r0, r1, t0, t1, y, ldy);
}

void q4_0_tile(const WeightView& w, const ActQ8& a, int64_t r0, int64_t r1, int64_t t0, int64_t t1, float* y,
               int64_t ldy) {
  if (a.tiles == nullptr) return kKernels.q4_0(w, a, r0, r1, t0, t1, y, ldy);
  panel_tile<EMBER_Q4_0>(w, a, r0, r1, t0, t1, y, ldy);
}

// Groups [g0, g1) of kActTileTokens quantized rows of a (T rows) into records, one per group and block
// (kActTileBlockBytes apart): the 8 steps of 4 values with the group's rows side by side ([step][row]),
// then the rows' scales. Rows past T repeat row T - 1.
void pack_act(const ActQ8& a, int64_t T, int64_t g0, int64_t g1, uint8_t* tiles) {
  const int64_t nb = a.cols / kBlockValues;
  for (int64_t g = g0; g < g1; g++) {
    for (int j = 0; j < kActTileTokens; j++) {
      const int64_t t = std::min<int64_t>(g * kActTileTokens + j, T - 1);
      for (int64_t b = 0; b < nb; b++) {
        uint8_t* rec = tiles + (g * nb + b) * kActTileBlockBytes;
        const int8_t* src = a.q + t * a.cols + b * kBlockValues;
        for (int q = 0; q < 8; q++) std::memcpy(rec + q * kStepBytes + 4 * j, src + 4 * q, 4);
        std::memcpy(rec + kScales + 4 * j, a.d + t * nb + b, 4);
      }
    }
  }
}

}  // namespace
}  // namespace neondot

const LinearKernels& neondot_kernels() {
  static const LinearKernels k = [] {
    LinearKernels t = neondot::kKernels;
    t.q8_0 = neondot::q8_0_tile;
    t.q4_0 = neondot::q4_0_tile;
    t.pack_act = neondot::pack_act;
    return t;
  }();
  return k;
}
namespace compiled {
extern const FeatureSet kLinearNeonDot = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
