// Tile kernels shared by the aarch64 variants, compiled once per ISA translation unit.
//
//   #define EMBER_NEON_NS neon
//   struct Dot32 { static int32x4_t dot(int8x16_t w0, int8x16_t w1, int8x16_t a0, int8x16_t a1); };
//   #include "linear/neon_tiles.h"
//
// Internal linkage throughout, so the dotprod copy never leaks into the ARMv8.0 one. One
// block is two 16-byte vectors; Q4_0 nibbles are unpacked to signed int8 (q - 8) first, so
// both quantized types share the int8 x int8 block dot product.
#pragma once

#include <arm_neon.h>

#include <cstring>

#include "ember.h"
#include "linear/kernels.h"
#include "linear/quant.h"

namespace ember {
namespace EMBER_NEON_NS {
namespace {

constexpr int kMaxR = 2;
constexpr int kMaxT = 4;

inline float scale_of(const uint8_t* block) {
  uint16_t h;
  std::memcpy(&h, block, 2);
  return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))), 0);
}

// Loads weight block b of a row as 32 signed int8 values and its scale.
template <int DT>
inline void load_block(const uint8_t* row, int64_t b, int8x16_t* w0, int8x16_t* w1, float* d) {
  if constexpr (DT == EMBER_Q8_0) {
    const uint8_t* blk = row + b * kQ8Bytes;
    *w0 = vld1q_s8((const int8_t*)blk + 2);
    *w1 = vld1q_s8((const int8_t*)blk + 18);
    *d = scale_of(blk);
  } else {
    const uint8_t* blk = row + b * kQ4Bytes;
    uint8x16_t packed = vld1q_u8(blk + 2);
    const int8x16_t eight = vdupq_n_s8(8);
    *w0 = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(packed, vdupq_n_u8(0x0F))), eight);
    *w1 = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(packed, 4)), eight);
    *d = scale_of(blk);
  }
}

using QuantMicro = void (*)(const WeightView&, const ActQ8&, int64_t r, int64_t t, float* y, int64_t ldy);
using FloatMicro = void (*)(const WeightView&, const float* x, int64_t r, int64_t t, float* y, int64_t ldy);

template <int DT>
struct QuantOf {
  template <int R, int TT>
  struct Micro {
    static void run(const WeightView& w, const ActQ8& a, int64_t r, int64_t t, float* y, int64_t ldy) {
      const int64_t nb = w.cols / kBlockValues;
      float32x4_t acc[R][TT];
      for (int i = 0; i < R; i++)
        for (int j = 0; j < TT; j++) acc[i][j] = vdupq_n_f32(0);
      const uint8_t* wp[R];
      for (int i = 0; i < R; i++) wp[i] = w.data + (r + i) * w.row_bytes;
      const int64_t ahead = 4 * kMaxR * w.row_bytes;
      for (int64_t b = 0; b < nb; b++) {
        int8x16_t w0[R], w1[R];
        float dw[R];
        for (int i = 0; i < R; i++) {
          load_block<DT>(wp[i], b, &w0[i], &w1[i], &dw[i]);
          __builtin_prefetch(wp[i] + b * (DT == EMBER_Q8_0 ? kQ8Bytes : kQ4Bytes) + ahead);
        }
        for (int j = 0; j < TT; j++) {
          const int8_t* ap = a.q + (t + j) * a.cols + b * kBlockValues;
          const int8x16_t a0 = vld1q_s8(ap), a1 = vld1q_s8(ap + 16);
          const float da = a.d[(t + j) * nb + b];
          for (int i = 0; i < R; i++) {
            int32x4_t isum = Dot32::dot(w0[i], w1[i], a0, a1);
            acc[i][j] = vfmaq_n_f32(acc[i][j], vcvtq_f32_s32(isum), dw[i] * da);
          }
        }
      }
      for (int i = 0; i < R; i++)
        for (int j = 0; j < TT; j++) y[(t + j) * ldy + r + i] = vaddvq_f32(acc[i][j]);
    }
  };
};

template <int DT>
inline float32x4_t load_w(const uint8_t* row, int64_t k) {
  if constexpr (DT == EMBER_F32) {
    return vld1q_f32((const float*)row + k);
  } else if constexpr (DT == EMBER_F16) {
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16((const uint16_t*)row + k)));
  } else {
    return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16((const uint16_t*)row + k), 16));
  }
}

template <int DT>
struct FloatOf {
  template <int R, int TT>
  struct Micro {
    static void run(const WeightView& w, const float* x, int64_t r, int64_t t, float* y, int64_t ldy) {
      const int64_t cols = w.cols, full = cols - cols % 4;
      float32x4_t acc[R][TT];
      for (int i = 0; i < R; i++)
        for (int j = 0; j < TT; j++) acc[i][j] = vdupq_n_f32(0);
      const uint8_t* wp[R];
      for (int i = 0; i < R; i++) wp[i] = w.data + (r + i) * w.row_bytes;
      // Small T (batched decode) streams the weights as T=1 does: prefetch the rows two groups on.
      constexpr int64_t elem = DT == EMBER_F32 ? 4 : 2;
      const int64_t ahead = 2 * R * w.row_bytes;
      for (int64_t k = 0; k < full; k += 4) {
        float32x4_t wv[R];
        for (int i = 0; i < R; i++) {
          if ((k & (64 / elem - 1)) == 0) __builtin_prefetch(wp[i] + k * elem + ahead, 0, 2);
          wv[i] = load_w<DT>(wp[i], k);
        }
        for (int j = 0; j < TT; j++) {
          float32x4_t xv = vld1q_f32(x + (t + j) * cols + k);
          for (int i = 0; i < R; i++) acc[i][j] = vfmaq_f32(acc[i][j], wv[i], xv);
        }
      }
      if (full < cols) {  // tail: zero-padded copies, then one more vector step
        alignas(16) uint8_t wpad[R][16] = {};
        alignas(16) float xpad[4] = {};
        for (int i = 0; i < R; i++) std::memcpy(wpad[i], wp[i] + full * elem, (cols - full) * elem);
        for (int j = 0; j < TT; j++) {
          std::memcpy(xpad, x + (t + j) * cols + full, (cols - full) * 4);
          float32x4_t xv = vld1q_f32(xpad);
          for (int i = 0; i < R; i++) acc[i][j] = vfmaq_f32(acc[i][j], load_w<DT>(wpad[i], 0), xv);
        }
      }
      for (int i = 0; i < R; i++)
        for (int j = 0; j < TT; j++) y[(t + j) * ldy + r + i] = vaddvq_f32(acc[i][j]);
    }
  };
};

// T=1 (decode) rows of float weights: each weight is read once, so the kernel keeps loads in
// flight (kRows rows, 16 values per row per step, 4 independent FMA chains per row) and prefetches
// the rows kPrefetchGroups groups ahead (rows of one call are contiguous in memory). f16 widens
// with FCVTL, bf16 with a 16-bit shift (exact); each activation vector is loaded once per step.
template <int DT>
struct FloatGemvOf {
  static constexpr int64_t kElem = DT == EMBER_F32 ? 4 : 2;
  static constexpr int kRows = 4;
  static constexpr int kPrefetchGroups = 2;

  // Weights k..k+7 of a row as two f32 vectors.
  static inline void load8(const uint8_t* row, int64_t k, float32x4_t* lo, float32x4_t* hi) {
    if constexpr (DT == EMBER_F32) {
      *lo = vld1q_f32((const float*)row + k);
      *hi = vld1q_f32((const float*)row + k + 4);
    } else if constexpr (DT == EMBER_F16) {
      const float16x8_t h = vreinterpretq_f16_u16(vld1q_u16((const uint16_t*)row + k));
      *lo = vcvt_f32_f16(vget_low_f16(h));
      *hi = vcvt_high_f32_f16(h);
    } else {
      const uint16x8_t b = vld1q_u16((const uint16_t*)row + k);
      *lo = vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(b), 16));
      *hi = vreinterpretq_f32_u32(vshll_high_n_u16(b, 16));
    }
  }

  template <int R>
  static void rows(const WeightView& w, const float* x, int64_t r, float* y) {
    const int64_t cols = w.cols;
    float32x4_t acc[R][4];
    for (int i = 0; i < R; i++)
      for (int u = 0; u < 4; u++) acc[i][u] = vdupq_n_f32(0);
    const uint8_t* wp[R];
    for (int i = 0; i < R; i++) wp[i] = w.data + (r + i) * w.row_bytes;
    const int64_t ahead = kPrefetchGroups * R * w.row_bytes;
    int64_t k = 0;
    for (; k + 16 <= cols; k += 16) {
      const float32x4_t x0 = vld1q_f32(x + k), x1 = vld1q_f32(x + k + 4);
      const float32x4_t x2 = vld1q_f32(x + k + 8), x3 = vld1q_f32(x + k + 12);
      for (int i = 0; i < R; i++) {
        if (16 * kElem >= 64 || (k & (64 / kElem - 1)) == 0) __builtin_prefetch(wp[i] + k * kElem + ahead, 0, 2);
        float32x4_t w0, w1, w2, w3;
        load8(wp[i], k, &w0, &w1);
        load8(wp[i], k + 8, &w2, &w3);
        acc[i][0] = vfmaq_f32(acc[i][0], w0, x0);
        acc[i][1] = vfmaq_f32(acc[i][1], w1, x1);
        acc[i][2] = vfmaq_f32(acc[i][2], w2, x2);
        acc[i][3] = vfmaq_f32(acc[i][3], w3, x3);
      }
    }
    for (int i = 0; i < R; i++) {
      float s = vaddvq_f32(vaddq_f32(vaddq_f32(acc[i][0], acc[i][1]), vaddq_f32(acc[i][2], acc[i][3])));
      for (int64_t kk = k; kk < cols; kk++) {  // tail of fewer than 16 values
        float wv;
        if constexpr (DT == EMBER_F32) {
          wv = ((const float*)wp[i])[kk];
        } else if constexpr (DT == EMBER_F16) {
          wv = vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(((const uint16_t*)wp[i])[kk]))), 0);
        } else {
          wv = vgetq_lane_f32(vreinterpretq_f32_u32(vshll_n_u16(vdup_n_u16(((const uint16_t*)wp[i])[kk]), 16)), 0);
        }
        s += wv * x[kk];
      }
      y[r + i] = s;
    }
  }

  static void tile(const WeightView& w, const float* x, int64_t r0, int64_t r1, float* y) {
    int64_t r = r0;
    for (; r + kRows <= r1; r += kRows) rows<kRows>(w, x, r, y);
    for (; r < r1; r++) rows<1>(w, x, r, y);
  }
};

template <typename Fn, template <int, int> class M>
struct MicroTable {
  Fn fn[kMaxR + 1][kMaxT + 1] = {};
  MicroTable() { fill<1, 1>(); }
  template <int R, int TT>
  void fill() {
    fn[R][TT] = &M<R, TT>::run;
    if constexpr (TT < kMaxT) {
      fill<R, TT + 1>();
    } else if constexpr (R < kMaxR) {
      fill<R + 1, 1>();
    }
  }
};

// Activation tiles of up to kMaxT rows outside, weight rows of up to kMaxR inside.
template <typename Fn, typename Src>
inline void walk(const Fn (&fn)[kMaxR + 1][kMaxT + 1], const WeightView& w, const Src& src, int64_t r0, int64_t r1,
                 int64_t t0, int64_t t1, float* y, int64_t ldy) {
  for (int64_t t = t0; t < t1; t += kMaxT) {
    int tt = t1 - t < kMaxT ? (int)(t1 - t) : kMaxT;
    for (int64_t r = r0; r < r1; r += kMaxR) {
      int rr = r1 - r < kMaxR ? (int)(r1 - r) : kMaxR;
      fn[rr][tt](w, src, r, t, y, ldy);
    }
  }
}

template <int DT>
void quant_tile(const WeightView& w, const ActQ8& a, int64_t r0, int64_t r1, int64_t t0, int64_t t1, float* y,
                int64_t ldy) {
  static const MicroTable<QuantMicro, QuantOf<DT>::template Micro> table;
  walk(table.fn, w, a, r0, r1, t0, t1, y, ldy);
}

template <int DT>
void float_tile(const WeightView& w, const float* x, int64_t r0, int64_t r1, int64_t t0, int64_t t1, float* y,
                int64_t ldy) {
  if (t1 - t0 == 1) return FloatGemvOf<DT>::tile(w, x + t0 * w.cols, r0, r1, y + t0 * ldy);
  static const MicroTable<FloatMicro, FloatOf<DT>::template Micro> table;
  walk(table.fn, w, x, r0, r1, t0, t1, y, ldy);
}

// The portable formula block by block (exactness first; it is O(T * cols) against the
// O(rows * T * cols) product).
void quantize_act(const float* x, int64_t n_blocks, int8_t* q, float* d, int32_t* sum) {
  for (int64_t b = 0; b < n_blocks; b++) {
    quantize_act_block(x + b * kBlockValues, q + b * kBlockValues, d + b, sum + b);
  }
}

const LinearKernels kKernels{quant_tile<EMBER_Q8_0>, quant_tile<EMBER_Q4_0>, float_tile<EMBER_F32>,
                             float_tile<EMBER_F16>, float_tile<EMBER_BF16>, quantize_act};

}  // namespace
}  // namespace EMBER_NEON_NS
}  // namespace ember
