// Tile kernels shared by the x86 variants, compiled once per ISA translation unit.
//
//   #define EMBER_X86_NS avx2            // namespace of this copy
//   struct DotU8S8 {                     // += u8*s8 per 4 bytes; kWide: exact for any u8 (else |u8| <= 128)
//     static constexpr bool kWide; static __m256i dot(__m256i acc, __m256i u8, __m256i s8); };
//   struct FloatVec { ... };             // float vector traits (width 8 or 16)
//   #include "linear/x86_tiles.h"
//
// Everything here has internal linkage, so no AVX-512 code can leak into the AVX2 copy.
// Quantized tiles: the AVX2 variants (avx2, and avx2-vnni, whose DotU8S8 is one vpdpbusd) hold one
// 32-value block in a 256-bit vector and R weight rows x TT activation rows of float accumulators
// (QuantMicroOf); the AVX-512 variant (EMBER_X86_VNNI) has its own T=1 rows (GemvOf) and 16-row
// panels for T >= 2 (PanelOf).
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "ember.h"
#include "linear/kernels.h"
#include "linear/x86_float8.h"

namespace ember {
namespace EMBER_X86_NS {
namespace {

#ifndef EMBER_X86_AVXVNNI
#define EMBER_X86_AVXVNNI 0  // 1: the AVX2 structure plus Panel8Of (VEX vpdpbusd) for T >= 2
#endif

constexpr int kMaxR = EMBER_X86_MAX_R;
constexpr int kMaxT = EMBER_X86_MAX_T;
// Weight rows software-prefetched ahead of the rows being read: the hardware prefetcher alone
// leaves a T=1 stream far below DRAM bandwidth once the loop has work between loads.
constexpr int kPrefetchRows = 8 * kMaxR;
// T=1 kernel: weight rows per micro step (Q4 rows are short and cheap to load, so more of them
// keep the vector units busy; Q8 is bandwidth bound with 4) and rows prefetched ahead.
constexpr int kGemvRowsQ4 = 8;
constexpr int kGemvRowsQ8 = 4;
constexpr int kGemvPrefetchRows = 16;
// Offsets in a record of pack_act's activation tiles (VNNI variant): the 8 rows' scales and
// corrections after their 256 bytes of values.
constexpr int64_t kTileScales = 8 * kBlockValues;
constexpr int64_t kTileCorr128 = kTileScales + 8 * 4;
constexpr int64_t kTileCorr8 = kTileCorr128 + 8 * 4;
static_assert(kTileCorr8 + 8 * 4 == kActTileBlockBytes, "record layout fills kActTileBlockBytes");

inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// 8x8 transpose of 32-bit elements: out[q] holds element q of r[0..7].
inline void transpose8x8_epi32(const __m256i (&r)[8], __m256i (&out)[8]) {
  __m256i u[8];
  for (int h = 0; h < 2; h++) {
    const __m256i* rr = r + 4 * h;
    const __m256i lo01 = _mm256_unpacklo_epi32(rr[0], rr[1]), hi01 = _mm256_unpackhi_epi32(rr[0], rr[1]);
    const __m256i lo23 = _mm256_unpacklo_epi32(rr[2], rr[3]), hi23 = _mm256_unpackhi_epi32(rr[2], rr[3]);
    u[4 * h + 0] = _mm256_unpacklo_epi64(lo01, lo23);  // elements 0 | 4 of rows 4h..4h+3
    u[4 * h + 1] = _mm256_unpackhi_epi64(lo01, lo23);  // 1 | 5
    u[4 * h + 2] = _mm256_unpacklo_epi64(hi01, hi23);  // 2 | 6
    u[4 * h + 3] = _mm256_unpackhi_epi64(hi01, hi23);  // 3 | 7
  }
  for (int q = 0; q < 4; q++) {
    out[q] = _mm256_permute2x128_si256(u[q], u[4 + q], 0x20);
    out[4 + q] = _mm256_permute2x128_si256(u[q], u[4 + q], 0x31);
  }
}

inline float scale_of(const uint8_t* block) {
  uint16_t h;
  std::memcpy(&h, block, 2);
  return _cvtsh_ss(h);
}

using QuantMicro = void (*)(const WeightView&, const ActQ8&, int64_t r, int64_t t, float* y, int64_t ldy);
using FloatMicro = void (*)(const WeightView&, const float* x, int64_t r, int64_t t, float* y, int64_t ldy);

// Quantized micro-kernel (maddubs variants): R weight rows x TT activation rows of float
// accumulators; each weight block is loaded once and reused TT times. With few accumulators the
// FMA latency chain would bound a T=1 stream, so small tiles keep two accumulator sets (even/odd
// blocks). Integer dot product per block: Q8 as |w| x sign(a, w), or where DotU8S8 is wide as
// (w + 128) x a starting from -16 * sum(a) in each of the 8 lanes (no sign op, and the weights are
// not read again per activation row); Q4 nibbles (unsigned) x a, starting from -sum(a) in each of
// the 8 lanes (-8 * sum(a) in all).
template <int DT, int R, int TT>
struct QuantMicroOf {
  static constexpr bool kSigned = DT == EMBER_Q8_0 && !DotU8S8::kWide;  // |w| x sign(a, w)
  static constexpr bool kOffset = DT == EMBER_Q8_0 && DotU8S8::kWide;   // (w + 128) x a
  static constexpr int kSets = R * TT <= 4 ? 2 : 1;
  static constexpr int kGroup = 4;  // blocks per epilogue in group()

  static inline void step(const uint8_t* const (&wp)[R], const ActQ8& a, int64_t nb, int64_t t, int64_t b,
                          int64_t ahead, __m256 (&acc)[R][TT]) {
    __m256i ws[R], wu[R];
    __m256 dw[R];
    for (int i = 0; i < R; i++) {
      const uint8_t* blk = wp[i] + b * (DT == EMBER_Q8_0 ? kQ8Bytes : kQ4Bytes);
      _mm_prefetch((const char*)(blk + ahead), _MM_HINT_T1);
      dw[i] = _mm256_set1_ps(scale_of(blk));
      __m256i q;
      if constexpr (DT == EMBER_Q8_0) {
        q = _mm256_loadu_si256((const __m256i*)(blk + 2));
      } else {
        __m128i packed = _mm_loadu_si128((const __m128i*)(blk + 2));
        q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), _mm256_set1_epi8(0x0F));
      }
      ws[i] = q;
      wu[i] = kSigned ? _mm256_abs_epi8(q) : kOffset ? _mm256_xor_si256(q, _mm256_set1_epi8((char)0x80)) : q;
    }
    for (int j = 0; j < TT; j++) {
      const __m256i aq = _mm256_loadu_si256((const __m256i*)(a.q + (t + j) * a.cols + b * kBlockValues));
      const __m256 da = _mm256_broadcast_ss(a.d + (t + j) * nb + b);
      for (int i = 0; i < R; i++) {
        __m256i isum;
        if constexpr (kSigned) {
          isum = DotU8S8::dot(_mm256_setzero_si256(), wu[i], _mm256_sign_epi8(aq, ws[i]));
        } else {
          isum = DotU8S8::dot(_mm256_set1_epi32((kOffset ? -16 : -1) * a.sum[(t + j) * nb + b]), wu[i], aq);
        }
        acc[i][j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dw[i], da), acc[i][j]);
      }
    }
  }

  // Blocks b..b+3 of every row and activation row with one epilogue: the four blocks' int32 sums are
  // folded by two hadds (which run beside the multiply pipes) into one vector, [blocks 0-3 over lanes
  // 0-3 | over lanes 4-7], then converted, scaled by [dw * da of blocks 0-3 | the same] and added
  // with one FMA. Per block, the multiply and FMA took 2 of the 4 multiply-pipe ops (maddubs and
  // madd being the others, on AVX2); here they take 2 of 10 per four blocks (of 6 with AVX-VNNI's
  // single vpdpbusd). Q4's -8 * sum(a) goes in as -4 * sum(a) in each of a block's two lanes, the
  // offset Q8's -128 * sum(a) as -64 * sum(a).
  static inline void group(const uint8_t* const (&wp)[R], const ActQ8& a, int64_t nb, int64_t t, int64_t b,
                           int64_t ahead, __m256 (&acc)[R][TT]) {
    constexpr int64_t kBytes = DT == EMBER_Q8_0 ? kQ8Bytes : kQ4Bytes;
    for (int i = 0; i < R; i++) {
      const uint8_t* blk = wp[i] + b * kBytes;
      for (int64_t line = 0; line < kGroup * kBytes; line += 64) {
        _mm_prefetch((const char*)(blk + line + ahead), _MM_HINT_T1);
      }
      __m128i h = _mm_setzero_si128();
      for (int k = 0; k < kGroup; k++) {
        uint16_t f;
        std::memcpy(&f, blk + k * kBytes, 2);
        h = _mm_insert_epi16(h, f, k);
      }
      const __m128 d4 = _mm_cvtph_ps(h);
      const __m256 dw = _mm256_set_m128(d4, d4);
      __m256i wu[kGroup];
      for (int k = 0; k < kGroup; k++) {
        if constexpr (DT == EMBER_Q8_0) {
          const __m256i q = _mm256_loadu_si256((const __m256i*)(blk + k * kBytes + 2));
          wu[k] = kSigned ? _mm256_abs_epi8(q) : _mm256_xor_si256(q, _mm256_set1_epi8((char)0x80));
        } else {
          const __m128i packed = _mm_loadu_si128((const __m128i*)(blk + k * kBytes + 2));
          wu[k] = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), _mm256_set1_epi8(0x0F));
        }
      }
      for (int j = 0; j < TT; j++) {
        const int8_t* aq = a.q + (t + j) * a.cols + b * kBlockValues;
        __m256i p[kGroup];
        for (int k = 0; k < kGroup; k++) {
          __m256i s = _mm256_loadu_si256((const __m256i*)(aq + k * kBlockValues));
          if constexpr (kSigned) {
            s = _mm256_sign_epi8(s, _mm256_loadu_si256((const __m256i*)(blk + k * kBytes + 2)));
          }
          p[k] = DotU8S8::dot(_mm256_setzero_si256(), wu[k], s);
        }
        __m256i sum = _mm256_hadd_epi32(_mm256_hadd_epi32(p[0], p[1]), _mm256_hadd_epi32(p[2], p[3]));
        if constexpr (!kSigned) {
          constexpr int kShift = kOffset ? 6 : 2;  // -64 or -4 times sum(a) per lane
          const __m128i c = _mm_sub_epi32(
              _mm_setzero_si128(), _mm_slli_epi32(_mm_loadu_si128((const __m128i*)(a.sum + (t + j) * nb + b)), kShift));
          sum = _mm256_add_epi32(sum, _mm256_set_m128i(c, c));
        }
        const __m128 a4 = _mm_loadu_ps(a.d + (t + j) * nb + b);
        acc[i][j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(dw, _mm256_set_m128(a4, a4)), acc[i][j]);
      }
    }
  }

  static void run(const WeightView& w, const ActQ8& a, int64_t r, int64_t t, float* y, int64_t ldy) {
    const int64_t nb = w.cols / kBlockValues;
    __m256 acc[kSets][R][TT];
    for (int u = 0; u < kSets; u++)
      for (int i = 0; i < R; i++)
        for (int j = 0; j < TT; j++) acc[u][i][j] = _mm256_setzero_ps();
    const uint8_t* wp[R];
    for (int i = 0; i < R; i++) wp[i] = w.data + (r + i) * w.row_bytes;
    const int64_t ahead = kPrefetchRows * w.row_bytes;
    int64_t b = 0;
    for (; b + kGroup <= nb; b += kGroup) group(wp, a, nb, t, b, ahead, acc[0]);
    if constexpr (kSets == 2) {
      for (; b + 2 <= nb; b += 2) {
        step(wp, a, nb, t, b, ahead, acc[0]);
        step(wp, a, nb, t, b + 1, ahead, acc[1]);
      }
    }
    for (; b < nb; b++) step(wp, a, nb, t, b, ahead, acc[0]);
    for (int i = 0; i < R; i++) {
      for (int j = 0; j < TT; j++) {
        __m256 v = acc[0][i][j];
        if constexpr (kSets == 2) v = _mm256_add_ps(v, acc[kSets - 1][i][j]);
        y[(t + j) * ldy + r + i] = hsum8(v);
      }
    }
  }
};

#if EMBER_X86_VNNI
// T=1 (decode) rows for the AVX-512 VNNI variant: vpdpbusd with the weights as the unsigned
// operand, so that every correction term comes from the activation block (built once per block
// for all R rows):
//  - Q8: w + 128 (u8) x a (s8), starting from -128 * sum(a) in lane 0.
//  - Q4: the 16 packed bytes in both halves, masked to [lo nibbles | hi nibbles * 16]: lanes
//    0-3 hold the dot of values 0-15 and lanes 4-7 sixteen times that of values 16-31, so the
//    accumulator's upper half is scaled by 1/16 (exact) at the end; -8 * sum(a) goes in lane 0.
// Block scales dw * da are computed kGroup blocks at a time (one vpermt2w picks the f16 scales
// out of 128 bytes of a row) and enter the FMA as an embedded broadcast from the stack.
// Weight rows are prefetched into L2 a fixed distance ahead (rows of one call are contiguous).
template <int DT>
struct GemvOf {
  static constexpr int64_t kBytes = DT == EMBER_Q8_0 ? kQ8Bytes : kQ4Bytes;
  static constexpr int kGroup = DT == EMBER_Q8_0 ? 4 : 8;  // blocks whose scales fit in 128 bytes

  // Scales of blocks [b, b + kGroup) of one row times the activation scales, into out.
  static inline void group_scales(const uint8_t* row, const float* ad, int64_t b, float* out) {
    const uint8_t* p = row + b * kBytes;
    const __m512i lo = _mm512_loadu_si512(p), hi = _mm512_loadu_si512(p + 64);
    constexpr short kStep = (short)(kBytes / 2);
    constexpr short kLast = kGroup > 4 ? kStep : 0;  // Q8 uses 4 of the 8 lanes
    const __m512i idx = _mm512_zextsi128_si512(
        _mm_setr_epi16(0, kStep, 2 * kStep, 3 * kStep, 4 * kLast, 5 * kLast, 6 * kLast, 7 * kLast));
    const __m128i h = _mm512_castsi512_si128(_mm512_permutex2var_epi16(lo, idx, hi));
    if constexpr (kGroup == 8) {
      _mm256_store_ps(out, _mm256_mul_ps(_mm256_cvtph_ps(h), _mm256_loadu_ps(ad + b)));
    } else {
      _mm_store_ps(out, _mm_mul_ps(_mm_cvtph_ps(h), _mm_loadu_ps(ad + b)));
    }
  }

  // The same for the last n < kGroup blocks of a row, by masked loads (nothing read past the
  // scale of block b + n - 1); out[k] for k >= n is undefined.
  static inline void tail_scales(const uint8_t* row, const float* ad, int64_t b, int n, float* out) {
    const uint8_t* p = row + b * kBytes;
    constexpr short kStep = (short)(kBytes / 2);
    const int words = (n - 1) * kStep + 1;
    const __mmask32 lo_mask = words >= 32 ? ~0u : (1u << words) - 1;
    const __mmask32 hi_mask = words > 32 ? (1u << (words - 32)) - 1 : 0;
    const __m512i lo = _mm512_maskz_loadu_epi16(lo_mask, p), hi = _mm512_maskz_loadu_epi16(hi_mask, p + 64);
    const __m512i idx = _mm512_zextsi128_si512(
        _mm_setr_epi16(0, kStep, 2 * kStep, 3 * kStep, 4 * kStep, 5 * kStep, 6 * kStep, 7 * kStep));
    const __m128i h = _mm512_castsi512_si128(_mm512_permutex2var_epi16(lo, idx, hi));
    _mm256_store_ps(out, _mm256_mul_ps(_mm256_cvtph_ps(h), _mm256_maskz_loadu_ps((__mmask8)((1u << n) - 1), ad + b)));
  }

  template <int R>
  static inline void step(const uint8_t* const (&wp)[R], const int8_t* aq, const int32_t* asum, int64_t b,
                          const float (&scale)[R][8], int k, int64_t ahead, __m256 (&acc)[R]) {
    const __m256i as = _mm256_loadu_si256((const __m256i*)(aq + b * kBlockValues));
    const __m256i init = _mm256_zextsi128_si256(_mm_cvtsi32_si128((DT == EMBER_Q8_0 ? -128 : -8) * asum[b]));
    for (int i = 0; i < R; i++) {
      const uint8_t* blk = wp[i] + b * kBytes;
      if (DT == EMBER_Q8_0 || (b & 1) == 0) _mm_prefetch((const char*)(blk + ahead), _MM_HINT_T1);
      __m256i wu;
      if constexpr (DT == EMBER_Q8_0) {
        wu = _mm256_xor_si256(_mm256_loadu_si256((const __m256i*)(blk + 2)), _mm256_set1_epi8((char)0x80));
      } else {
        wu = _mm256_and_si256(_mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i*)(blk + 2))),
                              _mm256_setr_epi64x(0x0F0F0F0F0F0F0F0Fll, 0x0F0F0F0F0F0F0F0Fll,
                                                 (long long)0xF0F0F0F0F0F0F0F0ull, (long long)0xF0F0F0F0F0F0F0F0ull));
      }
      const __m256i isum = DotU8S8::dot(init, wu, as);
      acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(scale[i][k]), acc[i]);
    }
  }

  template <int R>
  static void rows(const WeightView& w, const ActQ8& a, int64_t r, int64_t t, float* y, int64_t ldy) {
    const int64_t nb = w.cols / kBlockValues;
    const int8_t* aq = a.q + t * a.cols;
    const float* ad = a.d + t * nb;
    const int32_t* asum = a.sum + t * nb;
    __m256 acc[2][R];
    for (int u = 0; u < 2; u++)
      for (int i = 0; i < R; i++) acc[u][i] = _mm256_setzero_ps();
    const uint8_t* wp[R];
    for (int i = 0; i < R; i++) wp[i] = w.data + (r + i) * w.row_bytes;
    const int64_t ahead = kGemvPrefetchRows * w.row_bytes;
    alignas(32) float scale[R][8];
    int64_t b = 0;
    for (; b + kGroup <= nb; b += kGroup) {
      for (int i = 0; i < R; i++) group_scales(wp[i], ad, b, scale[i]);
      for (int k = 0; k < kGroup; k += 2) {
        step<R>(wp, aq, asum, b + k, scale, k, ahead, acc[0]);
        step<R>(wp, aq, asum, b + k + 1, scale, k + 1, ahead, acc[1]);
      }
    }
    if (b < nb) {
      const int n = (int)(nb - b);
      for (int i = 0; i < R; i++) tail_scales(wp[i], ad, b, n, scale[i]);
      for (int k = 0; k < n; k++) step<R>(wp, aq, asum, b + k, scale, k, ahead, acc[k & 1]);
    }
    // Row sums: lanes 0-3 plus lanes 4-7 times hi (1/16 for the Q4 high nibbles).
    const __m128 hi = _mm_set1_ps(DT == EMBER_Q8_0 ? 1.0f : 0.0625f);
    if constexpr (R % 4 == 0) {  // four rows at a time: [row sums of v0..v3] in both halves
      for (int i = 0; i < R; i += 4) {
        __m256 v[4];
        for (int j = 0; j < 4; j++) v[j] = _mm256_add_ps(acc[0][i + j], acc[1][i + j]);
        const __m256 s = _mm256_hadd_ps(_mm256_hadd_ps(v[0], v[1]), _mm256_hadd_ps(v[2], v[3]));
        _mm_storeu_ps(y + t * ldy + r + i, _mm_fmadd_ps(_mm256_extractf128_ps(s, 1), hi, _mm256_castps256_ps128(s)));
      }
    } else {
      for (int i = 0; i < R; i++) {
        const __m256 v = _mm256_add_ps(acc[0][i], acc[1][i]);
        __m128 s = _mm_fmadd_ps(_mm256_extractf128_ps(v, 1), hi, _mm256_castps256_ps128(v));
        s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        y[t * ldy + r + i] = _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
      }
    }
  }

  static void tile(const WeightView& w, const ActQ8& a, int64_t r0, int64_t r1, int64_t t, float* y, int64_t ldy) {
    int64_t r = r0;
    constexpr int kRows = DT == EMBER_Q8_0 ? kGemvRowsQ8 : kGemvRowsQ4;
    for (; r + kRows <= r1; r += kRows) rows<kRows>(w, a, r, t, y, ldy);
    for (; r + 4 <= r1; r += 4) rows<4>(w, a, r, t, y, ldy);
    for (; r < r1; r++) rows<1>(w, a, r, t, y, ldy);
  }
};

// T >= 2 rows for the AVX-512 VNNI variant, and every T for weights pre-packed into panels
// (tile_panels, pack_panels): 16 weight rows side by side in the 16 lanes of a 512-bit vector (a
// panel), so one vpdpbusd advances 16 rows of one activation row by 4 values.
// Weights are the u8 side (Q8 as w + 128, Q4 as unpacked nibbles); the block's int32 sums start
// from the activation-side correction (-128 * sum(a) or -8 * sum(a)), then one convert, one
// multiply (weight scale x activation scale) and one FMA per block fold them into f32.
//
// Row-major weights: a slab of up to kSlab blocks of a group of panels is first repacked on the
// stack (prefetching the next group into L2): per block and panel, 8 vectors of [row][4 bytes]
// weights and the 16 rows' f16 scales. Pre-packed weights hold the same bytes (Q4 keeps its
// nibbles packed, 4 vectors a block), so their tile reads them in place. The tile then runs every activation row over the slab, a run of kRunTokens
// rows at a time, each activation broadcast into a register once and fed to the vpdpbusd of every
// panel of the group. Sharing the broadcast matters: a vpdpbusd with its own embedded broadcast is
// one load, and one panel issues about 1.4 loads per vpdpbusd, which held prefill to about 60% of
// the VNNI peak; three panels issue 0.7. Products of one tile group of activation rows or fewer
// (decode batches) are bound by the weights' stream instead, and keep one panel per group: each
// panel's repack then overlaps the previous panel's few products (three panels ran a batch of 8
// 7-12% slower). Partial sums live in y between slabs. The activations come from pack_act's
// records (below), one per block of a group of kActTileTokens rows.
template <int DT>
struct PanelOf {
  static constexpr int64_t kBytes = DT == EMBER_Q8_0 ? kQ8Bytes : kQ4Bytes;
  static constexpr int kRows = 16;
  static constexpr int kPanels = 3;   // 12 int32 + 12 f32 accumulators at 4 tokens, 3 weight vectors
  // Blocks per slab: 1,024 values, a whole 0.5b row (896) in one slab (reading rows in halves, 16
  // blocks, slowed a decode batch's weight stream about 10%); 3 x 17 KiB of repacked weights, about
  // the 48 KiB of L1 on Zen 5.
  static constexpr int kSlab = 32;
  // How far ahead a decode batch's run over pre-packed panels prefetches the panel's stream (1, 2,
  // 4 and 8 KiB: 4 KiB ran T = 1 and 8 fastest on the 0.5b shapes).
  static constexpr int64_t kPanelAhead = 4096;

  // Activation rows per run: one panel runs 8 (16 vpdpbusd chains with its even and odd steps
  // apart, see run()); two or three panels run 4, which gives 8 or 12 chains and fits the registers.
  template <int P>
  static constexpr int kRunTokens = P == 1 ? 8 : 4;
  static_assert(kActTileTokens % 8 == 0, "runs never straddle a tile group");

  // Vectors per block and panel: Q8's 32 values as w + 128 (4 bytes a lane), or Q4's 16 bytes of
  // nibbles as stored (lane i of vector q: bytes 4q..4q+3 of row i, whose low nibbles are values
  // 4q..4q+3 and high nibbles values 16 + 4q..16 + 4q + 3), unpacked by run() (decode) or into a
  // Slab (prefill).
  static constexpr int kVecs = DT == EMBER_Q8_0 ? 8 : 4;
  // Vectors per block of a Slab: Q4 unpacked there to one vector per 4-value step as Q8, so that
  // prefill's many runs over a slab do not each unpack it (5% of a 0.5b q4_0 prefill).
  static constexpr int kSlabVecs = 8;

  // One panel's blocks from some b0: block k's V vectors at w + k * V (V: kVecs as packed, or
  // kSlabVecs in a Slab), its 16 rows' f16 scales (as stored) at d + k * kRows.
  struct Ref {
    const __m512i* w;
    const uint16_t* d;
  };

  struct Slab {
    __m512i w[kSlab][kSlabVecs];
    uint16_t d[kSlab][kRows];
  };

  // Q4: one block's packed vectors (kVecs) unpacked to kSlabVecs at to: step q's low nibbles, then
  // step q's high nibbles as step q + 4. All are read before any is written (to may overlap from).
  static inline void unpack_block(const __m512i* from, __m512i* to) {
    const __m512i nibble = _mm512_set1_epi8(0x0F);
    __m512i v[kVecs];
    for (int q = 0; q < kVecs; q++) v[q] = _mm512_load_si512(from + q);
    for (int q = 0; q < kVecs; q++) {
      _mm512_store_si512(to + q, _mm512_and_si512(v[q], nibble));
      _mm512_store_si512(to + 4 + q, _mm512_and_si512(_mm512_srli_epi16(v[q], 4), nibble));
    }
  }

  // Q4: the n packed blocks of r into a slab's room, prefetching the same blocks (and scales)
  // `ahead` bytes on into L2 (the next group's, as pack() does).
  static void unpack(const Ref& r, int n, int64_t ahead, __m512i* to) {
    for (int k = 0; k < n; k++) {
      for (int q = 0; q < kVecs; q++) _mm_prefetch((const char*)(r.w + k * kVecs + q) + ahead, _MM_HINT_T1);
      if ((k & 1) == 0) _mm_prefetch((const char*)(r.d + k * kRows) + ahead, _MM_HINT_T1);
      unpack_block(r.w + k * kVecs, to + k * kSlabVecs);
    }
  }

  // Q4: the n blocks pack() left packed in the first half of s's room, unpacked where they are, last
  // block first (block k's unpacked vectors only cover packed blocks after it).
  static void unpack_in_place(Slab& s, int n) {
    for (int k = n - 1; k >= 0; k--) unpack_block(s.w[0] + k * kVecs, s.w[0] + k * kSlabVecs);
  }

  // One Q8 block of 8 row pairs into [row i | row i + 4] (i < 4) and [row 8 + i | row 12 + i]
  // (128-bit lanes: dwords 0-3, 4-7 of each row), as u8.
  static inline __m512i pair(const uint8_t* a, const uint8_t* b) {
    const __m512i v = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i*)(a + 2))),
                                         _mm256_loadu_si256((const __m256i*)(b + 2)), 1);
    return _mm512_xor_si512(v, _mm512_set1_epi8((char)0x80));
  }

  // acc += u8 lanes of w times the 4 int8 at a, broadcast (the embedded-broadcast form, which the
  // compiler does not pick for the intrinsic).
  static inline __m512i dot_broadcast(__m512i acc, __m512i w, const uint8_t* a) {
    __asm__("vpdpbusd %2%{1to16%}, %1, %0" : "+v"(acc) : "v"(w), "m"(*(const int32_t*)a));
    return acc;
  }

  static inline __m512i broadcast32(const uint8_t* a) {
    __m512i x;  // a register broadcast: the compiler would fold it into every vpdpbusd as a load
    __asm__("vpbroadcastd %1, %0" : "=v"(x) : "m"(*(const int32_t*)a));
    return x;
  }

  // Packs blocks [b0, b0 + n) of the rows wp[0..15] into block k's vectors at w + k * kVecs and
  // scales at d + k * kRows; rows holds wp[i] - wp[0]. Prefetches the same blocks `ahead` bytes on
  // (0: none).
  static void pack(const uint8_t* const (&wp)[kRows], __m512i rows, int64_t ahead, int64_t b0, int n, __m512i* w,
                   uint16_t* d) {
    for (int k = 0; k < n; k++) {
      const int64_t off = (b0 + k) * kBytes;
      // Every Q8 block (34 bytes) and every other Q4 block: one every two Q8 blocks ran a decode
      // batch's weight stream 20% slower.
      if (ahead != 0 && (DT == EMBER_Q8_0 || (k & 1) == 0)) {
        for (int i = 0; i < kRows; i++) _mm_prefetch((const char*)(wp[i] + off + ahead), _MM_HINT_T1);
      }
      __m512i* out = w + (int64_t)k * kVecs;
      if constexpr (DT == EMBER_Q8_0) {
        __m512i z[8];
        for (int i = 0; i < 4; i++) {
          z[i] = pair(wp[i] + off, wp[i + 4] + off);
          z[4 + i] = pair(wp[8 + i] + off, wp[12 + i] + off);
        }
        // 8x(2x8) dword transpose: u[g][d] holds dword d (and 4 + d) of rows 4g..4g+3 (and the
        // partner rows), then 128-bit lanes are gathered into out[d] / out[4 + d].
        __m512i u[2][4];
        for (int g = 0; g < 2; g++) {
          const __m512i* zz = z + 4 * g;
          const __m512i lo01 = _mm512_unpacklo_epi32(zz[0], zz[1]), hi01 = _mm512_unpackhi_epi32(zz[0], zz[1]);
          const __m512i lo23 = _mm512_unpacklo_epi32(zz[2], zz[3]), hi23 = _mm512_unpackhi_epi32(zz[2], zz[3]);
          u[g][0] = _mm512_unpacklo_epi64(lo01, lo23);
          u[g][1] = _mm512_unpackhi_epi64(lo01, lo23);
          u[g][2] = _mm512_unpacklo_epi64(hi01, hi23);
          u[g][3] = _mm512_unpackhi_epi64(hi01, hi23);
        }
        for (int q = 0; q < 4; q++) {
          _mm512_store_si512(out + q, _mm512_shuffle_i32x4(u[0][q], u[1][q], _MM_SHUFFLE(2, 0, 2, 0)));
          _mm512_store_si512(out + 4 + q, _mm512_shuffle_i32x4(u[0][q], u[1][q], _MM_SHUFFLE(3, 1, 3, 1)));
        }
      } else {
        // z[j], 128-bit lane L: the 16 bytes of row 4L + j; a 4x4 dword transpose in every lane
        // leaves dword q of row 4L + j in lane 4L + j of vector q.
        __m512i z[4];
        for (int j = 0; j < 4; j++) {
          __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i*)(wp[j] + off + 2)));
          v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i*)(wp[4 + j] + off + 2)), 1);
          v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i*)(wp[8 + j] + off + 2)), 2);
          z[j] = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i*)(wp[12 + j] + off + 2)), 3);
        }
        const __m512i lo01 = _mm512_unpacklo_epi32(z[0], z[1]), hi01 = _mm512_unpackhi_epi32(z[0], z[1]);
        const __m512i lo23 = _mm512_unpacklo_epi32(z[2], z[3]), hi23 = _mm512_unpackhi_epi32(z[2], z[3]);
        _mm512_store_si512(out + 0, _mm512_unpacklo_epi64(lo01, lo23));
        _mm512_store_si512(out + 1, _mm512_unpackhi_epi64(lo01, lo23));
        _mm512_store_si512(out + 2, _mm512_unpacklo_epi64(hi01, hi23));
        _mm512_store_si512(out + 3, _mm512_unpackhi_epi64(hi01, hi23));
      }
      // The gather holds the VNNI pipes about 13 cycles, but 16 scalar copies (about as fast in
      // prefill) ran a decode batch's weight stream 5-10% slower.
      const __m512i h = _mm512_i32gather_epi32(rows, wp[0] + off, 1);
      _mm256_storeu_si256((__m256i*)(d + (int64_t)k * kRows), _mm512_cvtepi32_epi16(h));
    }
  }

  // isum[p][j] += panel p's vectors w[p] times the 4 activation bytes of row j of one step (x).
  template <int P, int TT>
  static inline void step(__m512i (&isum)[P][TT], const __m512i (&w)[P], const uint8_t* x) {
    for (int j = 0; j < TT; j++) {
      if constexpr (P == 1) {  // one load either way: the embedded broadcast saves an instruction
        isum[0][j] = dot_broadcast(isum[0][j], w[0], x + 4 * j);
      } else {
        const __m512i b = broadcast32(x + 4 * j);
        for (int p = 0; p < P; p++) isum[p][j] = _mm512_dpbusd_epi32(isum[p][j], w[p], b);
      }
    }
  }

  // y[t + j][16p .. 16p + 15] for the TT activation rows from t over the panels' n blocks from b0
  // (lanes in `last` for the last panel); adds to y unless first. Prefetches the same blocks
  // `ahead` bytes on from every panel (0: none).
  template <int P, int TT, int V>
  static void run(const Ref* s, int n, const ActQ8& a, int64_t nb, int64_t b0, int64_t t, bool first,
                  __mmask16 last, int64_t ahead, float* y, int64_t ldy) {
    const uint8_t* rec = a.tiles + ((t / kActTileTokens) * nb + b0) * kActTileBlockBytes + 4 * (t % kActTileTokens);
    const int64_t corr = DT == EMBER_Q8_0 ? kTileCorr128 : kTileCorr8;
    constexpr int64_t kStep = 4 * kActTileTokens;  // bytes of one 4-value step of a record
    __m512 acc[P][TT];
    for (int j = 0; j < TT; j++) {
      for (int p = 0; p < P; p++) {
        const __mmask16 m = p == P - 1 ? last : (__mmask16)0xFFFF;
        acc[p][j] = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(m, y + (t + j) * ldy + p * kRows);
      }
    }
    // One panel sums two halves of the 4-value steps apart (Q8: even and odd steps; Q4: low and
    // high nibbles): 16 chains of 4 dependent vpdpbusd instead of 8 of 8, restarted every block (a
    // Q4 decode batch of 8 ran about 8% slower with 8 of 8).
    constexpr int kChains = P == 1 ? 2 : 1;
    for (int k = 0; k < n; k++, rec += kActTileBlockBytes) {
      if (ahead != 0) {
        for (int p = 0; p < P; p++) {
          const char* wk = (const char*)(s[p].w + (int64_t)k * V) + ahead;
          for (int v = 0; v < V; v++) _mm_prefetch(wk + 64 * v, _MM_HINT_T1);
          if ((k & 1) == 0) _mm_prefetch((const char*)(s[p].d + (int64_t)k * kRows) + ahead, _MM_HINT_T1);
        }
      }
      __m512i isum[kChains][P][TT];
      for (int j = 0; j < TT; j++) {
        isum[0][0][j] = broadcast32(rec + corr + 4 * j);
        for (int p = 1; p < P; p++) isum[0][p][j] = isum[0][0][j];
        for (int c = 1; c < kChains; c++) {
          for (int p = 0; p < P; p++) isum[c][p][j] = _mm512_setzero_si512();
        }
      }
      if constexpr (V == kSlabVecs) {
        for (int q0 = 0; q0 < 8; q0 += kChains) {
          for (int c = 0; c < kChains; c++) {
            __m512i w[P];
            for (int p = 0; p < P; p++) w[p] = _mm512_load_si512(s[p].w + (int64_t)k * V + q0 + c);
            step<P, TT>(isum[c], w, rec + (q0 + c) * kStep);
          }
        }
      } else {
        const __m512i nibble = _mm512_set1_epi8(0x0F);
        for (int q = 0; q < 4; q++) {
          __m512i lo[P], hi[P];
          for (int p = 0; p < P; p++) {
            const __m512i v = _mm512_load_si512(s[p].w + (int64_t)k * V + q);
            lo[p] = _mm512_and_si512(v, nibble);
            hi[p] = _mm512_and_si512(_mm512_srli_epi16(v, 4), nibble);
          }
          step<P, TT>(isum[0], lo, rec + q * kStep);
          step<P, TT>(isum[kChains - 1], hi, rec + (q + 4) * kStep);
        }
      }
      for (int c = 1; c < kChains; c++) {
        for (int j = 0; j < TT; j++) isum[0][0][j] = _mm512_add_epi32(isum[0][0][j], isum[c][0][j]);
      }
      __m512 dw[P];
      for (int p = 0; p < P; p++) dw[p] = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(s[p].d + (int64_t)k * kRows)));
      const float* ad = (const float*)(rec + kTileScales);
      for (int j = 0; j < TT; j++) {
        const __m512 d = _mm512_set1_ps(ad[j]);
        for (int p = 0; p < P; p++) {
          acc[p][j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[0][p][j]), _mm512_mul_ps(dw[p], d), acc[p][j]);
        }
      }
    }
    for (int j = 0; j < TT; j++) {
      for (int p = 0; p < P; p++) {
        const __mmask16 m = p == P - 1 ? last : (__mmask16)0xFFFF;
        _mm512_mask_storeu_ps(y + (t + j) * ldy + p * kRows, m, acc[p][j]);
      }
    }
  }

  // run<P, TT> for a run of 1..TT rows.
  template <int P, int TT, int V>
  static void short_run(const Ref* s, int n, const ActQ8& a, int64_t nb, int64_t b0, int64_t t0, int64_t t1,
                        bool first, __mmask16 last, int64_t ahead, float* y, int64_t ldy) {
    if constexpr (TT > 0) {
      if (t1 - t0 == TT) return run<P, TT, V>(s, n, a, nb, b0, t0, first, last, ahead, y, ldy);
      return short_run<P, TT - 1, V>(s, n, a, nb, b0, t0, t1, first, last, ahead, y, ldy);
    }
  }

  // Activation rows [t0, t1) over P panels of a slab; runs never straddle a tile group (t0 need
  // not start one when T is split over threads). The first run prefetches `ahead` (0: none).
  template <int P, int V>
  static void runs(const Ref* s, int n, const ActQ8& a, int64_t nb, int64_t b0, int64_t t0, int64_t t1, bool first,
                   __mmask16 last, int64_t ahead, float* y, int64_t ldy) {
    constexpr int TT = kRunTokens<P>;
    for (int64_t t = t0; t < t1;) {
      const int64_t end = std::min({t1, (t / kActTileTokens + 1) * kActTileTokens, t + TT});
      const int64_t pf = t == t0 ? ahead : 0;
      if (end - t == TT) {
        run<P, TT, V>(s, n, a, nb, b0, t, first, last, pf, y, ldy);
      } else {
        short_run<P, TT - 1, V>(s, n, a, nb, b0, t, end, first, last, pf, y, ldy);
      }
      t = end;
    }
  }

  template <int V>
  static void runs_of(int np, const Ref* s, int n, const ActQ8& a, int64_t nb, int64_t b0, int64_t t0, int64_t t1,
                      bool first, __mmask16 last, int64_t ahead, float* y, int64_t ldy) {
    if (np == 3) runs<3, V>(s, n, a, nb, b0, t0, t1, first, last, ahead, y, ldy);
    if (np == 2) runs<2, V>(s, n, a, nb, b0, t0, t1, first, last, ahead, y, ldy);
    if (np == 1) runs<1, V>(s, n, a, nb, b0, t0, t1, first, last, ahead, y, ldy);
  }

  // Rows of one panel group from r: the row count, panels and the last panel's lanes.
  static int group_panels(int64_t r, int64_t r1, int64_t group_rows, __mmask16* last) {
    const int nr = (int)std::min(r1 - r, group_rows);
    const int np = (nr + kRows - 1) / kRows;
    *last = (__mmask16)((1u << (nr - (np - 1) * kRows)) - 1);
    return np;
  }

  // The rows of panel r / kRows (pr of them; rows past the last repeat it) and their offsets from
  // the first, for pack().
  static __m512i panel_rows(const WeightView& w, int64_t r, int pr, const uint8_t* (&wp)[kRows]) {
    for (int i = 0; i < kRows; i++) wp[i] = w.data + (r + std::min(i, pr - 1)) * w.row_bytes;
    return _mm512_mullo_epi32(
        _mm512_min_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(pr - 1)),
        _mm512_set1_epi32((int)w.row_bytes));
  }

  static int64_t group_rows_for(int64_t t0, int64_t t1) { return (t1 - t0 > kActTileTokens ? kPanels : 1) * kRows; }

  // Row-major weights: each slab of each panel is packed (Q4: and unpacked) on the stack first.
  static void tile(const WeightView& w, const ActQ8& a, int64_t r0, int64_t r1, int64_t t0, int64_t t1, float* y,
                   int64_t ldy) {
    const int64_t nb = w.cols / kBlockValues;
    const int64_t group_rows = group_rows_for(t0, t1);
    alignas(64) Slab slab[kPanels];
    Ref refs[kPanels];
    for (int p = 0; p < kPanels; p++) refs[p] = Ref{slab[p].w[0], slab[p].d[0]};
    // Slabs outside, panels inside: every panel group of the chunk reads the same columns of the
    // activations, which stay in L2 from one group to the next (with the panels outside, a long
    // row such as the down projection's read all T rows of activations once per panel, from L3
    // once they outgrew L2). Each output still sums its slabs in order, so results are unchanged.
    for (int64_t b0 = 0; b0 < nb; b0 += kSlab) {
      const int n = nb - b0 < kSlab ? (int)(nb - b0) : kSlab;
      for (int64_t r = r0; r < r1; r += group_rows) {
        __mmask16 last;
        const int np = group_panels(r, r1, group_rows, &last);
        for (int p = 0; p < np; p++) {
          const uint8_t* wp[kRows];
          const __m512i rows = panel_rows(w, r + p * kRows, std::min<int>(kRows, (int)(r1 - r) - p * kRows), wp);
          pack(wp, rows, group_rows * w.row_bytes, b0, n, slab[p].w[0], slab[p].d[0]);
          // Q4 packs 4 vectors a block into the first half of the slab's room, then unpacks them
          // from the back so that no block is overwritten before it is read.
          if constexpr (DT == EMBER_Q4_0) unpack_in_place(slab[p], n);
        }
        runs_of<kSlabVecs>(np, refs, n, a, nb, b0, t0, t1, b0 == 0, last, 0, y + r, ldy);
      }
    }
  }

  // Pre-packed weights (pack_panels' layout, w.panel_bytes apart; r0 starts a panel): the same
  // products over the same slabs as tile(), so for T >= 2 the results are equal to the last bit
  // (T = 1 sums in another order than GemvOf). Decode steps and batches take panel groups outside
  // and slabs inside, which reads each panel as one stream, prefetched kPanelAhead bytes on.
  static void tile_panels(const WeightView& w, const ActQ8& a, int64_t r0, int64_t r1, int64_t t0, int64_t t1,
                          float* y, int64_t ldy) {
    const int64_t nb = w.cols / kBlockValues;
    const int64_t group_rows = group_rows_for(t0, t1);
    alignas(64) Slab slab[DT == EMBER_Q4_0 ? kPanels : 1];  // Q4 prefill unpacks each slab here
    auto ref = [&](int64_t r, int64_t b0) {
      const uint8_t* panel = w.data + r / kRows * w.panel_bytes;
      return Ref{(const __m512i*)panel + b0 * kVecs, (const uint16_t*)(panel + nb * kVecs * 64) + b0 * kRows};
    };
    if (group_rows == kRows) {
      // One row of activations takes three panels a group, so that each broadcast feeds three
      // (0-16% faster than one at T = 1); two to eight rows take one (two or three ran 17-40% slower).
      const int64_t rows = (t1 - t0 == 1 ? kPanels : 1) * kRows;
      for (int64_t r = r0; r < r1; r += rows) {
        __mmask16 last;
        const int np = group_panels(r, r1, rows, &last);
        for (int64_t b0 = 0; b0 < nb; b0 += kSlab) {
          const int n = nb - b0 < kSlab ? (int)(nb - b0) : kSlab;
          Ref refs[kPanels];
          for (int p = 0; p < np; p++) refs[p] = ref(r + p * kRows, b0);
          runs_of<kVecs>(np, refs, n, a, nb, b0, t0, t1, b0 == 0, last, kPanelAhead, y + r, ldy);
        }
      }
      return;
    }
    for (int64_t b0 = 0; b0 < nb; b0 += kSlab) {
      const int n = nb - b0 < kSlab ? (int)(nb - b0) : kSlab;
      for (int64_t r = r0; r < r1; r += group_rows) {
        __mmask16 last;
        const int np = group_panels(r, r1, group_rows, &last);
        Ref refs[kPanels];
        for (int p = 0; p < np; p++) {
          refs[p] = ref(r + p * kRows, b0);
          if constexpr (DT == EMBER_Q4_0) {
            unpack(refs[p], n, np * w.panel_bytes, slab[p].w[0]);
            refs[p].w = slab[p].w[0];
          }
        }
        // Q8 runs read the panels in place, without software prefetch: prefill reuses each slab for
        // every activation row, and prefetching the next group's from the first run cost about
        // 5-15% (the loads compete with the products). Q4 unpacks each slab once (as tile() does),
        // prefetching the next group's meanwhile.
        runs_of<kSlabVecs>(np, refs, n, a, nb, b0, t0, t1, b0 == 0, last, 0, y + r, ldy);
      }
    }
  }

  // Packs panels [p0, p1) of the row-major weights w into dst (pack_panels' layout).
  static void pack_panels(const WeightView& w, int64_t rows, int64_t p0, int64_t p1, int64_t panel_bytes,
                          uint8_t* dst) {
    const int64_t nb = w.cols / kBlockValues;
    for (int64_t p = p0; p < p1; p++) {
      uint8_t* panel = dst + p * panel_bytes;
      const uint8_t* wp[kRows];
      const __m512i offsets = panel_rows(w, p * kRows, (int)std::min<int64_t>(kRows, rows - p * kRows), wp);
      pack(wp, offsets, 0, 0, (int)nb, (__m512i*)panel, (uint16_t*)(panel + nb * kVecs * 64));
    }
  }
};
#endif

#if EMBER_X86_AVXVNNI
// T >= 2 rows for the AVX-VNNI variant: PanelOf on 256-bit vectors. 8 weight rows side by side in
// the 8 lanes of a vector (4 bytes each), so one vpdpbusd advances 8 rows of one activation row by 4
// values, the activation's 4 bytes broadcast by the load (VEX vpdpbusd has no embedded broadcast).
// The weights are the u8 side (Q8 as w + 128, Q4 as unpacked nibbles) and the block's int32 sums
// start from the activation-side correction of pack_act's records, as in PanelOf. A slab of kSlab
// blocks of 16 rows (two panels) is repacked on the stack, prefetching the next 16 rows into L2;
// every activation row then runs over it kTokens at a time: 6 accumulators, 6 block sums, 2 weight
// vectors and a broadcast in the 16 registers (6 chains of vpdpbusd per block).
template <int DT>
struct Panel8Of {
  static constexpr int64_t kBytes = DT == EMBER_Q8_0 ? kQ8Bytes : kQ4Bytes;
  static constexpr int kRows = 8;
  static constexpr int kPanels = 2;
  static constexpr int kSlab = 32;   // blocks per slab: 16 KiB of repacked weights, in L1
  static constexpr int kTokens = 3;  // activation rows per micro step

  struct Slab {
    __m256i w[kSlab][kPanels][8];
    float d[kSlab][kPanels][kRows];
  };

  // Block off of the 8 rows at wp as u8 into out[q] = [row][4 bytes of step q], and their scales.
  static inline void pack_panel(const uint8_t* const* wp, int64_t off, int64_t ahead, __m256i (&out)[8], float* d) {
    __m256i r[8];
    for (int i = 0; i < 8; i++) {
      const uint8_t* blk = wp[i] + off;
      _mm_prefetch((const char*)(blk + ahead), _MM_HINT_T1);
      if constexpr (DT == EMBER_Q8_0) {
        r[i] = _mm256_xor_si256(_mm256_loadu_si256((const __m256i*)(blk + 2)), _mm256_set1_epi8((char)0x80));
      } else {
        const __m128i packed = _mm_loadu_si128((const __m128i*)(blk + 2));
        r[i] = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), _mm256_set1_epi8(0x0F));
      }
    }
    transpose8x8_epi32(r, out);
    uint64_t h4[2];
    for (int g = 0; g < 2; g++) {
      uint16_t h[4];
      for (int e = 0; e < 4; e++) std::memcpy(&h[e], wp[4 * g + e] + off, 2);
      h4[g] = (uint64_t)h[0] | (uint64_t)h[1] << 16 | (uint64_t)h[2] << 32 | (uint64_t)h[3] << 48;
    }
    _mm256_store_ps(d, _mm256_cvtph_ps(_mm_insert_epi64(_mm_cvtsi64_si128((long long)h4[0]), (long long)h4[1], 1)));
  }

  // Rows t..t+TT-1 of y (rows r..r+15, lanes in mask) over the slab's n blocks from b0; adds to y
  // unless first. The rows sit at lanes lane.. of their tile group.
  template <int TT>
  static void tokens(const Slab& s, int n, const ActQ8& a, int64_t nb, int64_t b0, int64_t t, bool first,
                     const __m256i (&mask)[kPanels], float* y, int64_t ldy) {
    const int64_t lane = t % kActTileTokens;
    const uint8_t* rec = a.tiles + ((t / kActTileTokens) * nb + b0) * kActTileBlockBytes;
    const int64_t corr = DT == EMBER_Q8_0 ? kTileCorr128 : kTileCorr8;
    __m256 acc[kPanels][TT];
    for (int p = 0; p < kPanels; p++)
      for (int j = 0; j < TT; j++) {
        acc[p][j] = first ? _mm256_setzero_ps() : _mm256_maskload_ps(y + (t + j) * ldy + p * kRows, mask[p]);
      }
    for (int k = 0; k < n; k++, rec += kActTileBlockBytes) {
      const uint8_t* aq = rec + 4 * lane;
      const int32_t* ac = (const int32_t*)(rec + corr) + lane;
      const float* ad = (const float*)(rec + kTileScales) + lane;
      __m256i isum[kPanels][TT];
      for (int j = 0; j < TT; j++) {
        const __m256i c = _mm256_set1_epi32(ac[j]);
        for (int p = 0; p < kPanels; p++) isum[p][j] = c;
      }
      for (int q = 0; q < 8; q++) {
        const __m256i w0 = _mm256_load_si256(&s.w[k][0][q]), w1 = _mm256_load_si256(&s.w[k][1][q]);
        for (int j = 0; j < TT; j++) {
          int32_t v;
          std::memcpy(&v, aq + q * 4 * kActTileTokens + 4 * j, 4);
          const __m256i b = _mm256_set1_epi32(v);
          isum[0][j] = DotU8S8::dot(isum[0][j], w0, b);
          isum[1][j] = DotU8S8::dot(isum[1][j], w1, b);
        }
      }
      for (int p = 0; p < kPanels; p++) {
        const __m256 dw = _mm256_load_ps(s.d[k][p]);
        for (int j = 0; j < TT; j++) {
          acc[p][j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[p][j]), _mm256_mul_ps(dw, _mm256_broadcast_ss(ad + j)),
                                      acc[p][j]);
        }
      }
    }
    for (int p = 0; p < kPanels; p++)
      for (int j = 0; j < TT; j++) _mm256_maskstore_ps(y + (t + j) * ldy + p * kRows, mask[p], acc[p][j]);
  }

  static void tile(const WeightView& w, const ActQ8& a, int64_t r0, int64_t r1, int64_t t0, int64_t t1, float* y,
                   int64_t ldy) {
    const int64_t nb = w.cols / kBlockValues;
    constexpr int kBlockRows = kPanels * kRows;
    alignas(32) Slab slab;
    // Slabs outside, row blocks inside, as in PanelOf: every block reads the same columns of the
    // activations, which stay in L2 from one block to the next.
    for (int64_t b0 = 0; b0 < nb; b0 += kSlab) {
      const int n = nb - b0 < kSlab ? (int)(nb - b0) : kSlab;
      for (int64_t r = r0; r < r1; r += kBlockRows) {
        const int nr = r1 - r < kBlockRows ? (int)(r1 - r) : kBlockRows;
        const uint8_t* wp[kBlockRows];
        for (int i = 0; i < kBlockRows; i++) wp[i] = w.data + (r + (i < nr ? i : nr - 1)) * w.row_bytes;
        __m256i mask[kPanels];
        for (int p = 0; p < kPanels; p++) {
          mask[p] = _mm256_cmpgt_epi32(_mm256_set1_epi32(nr - p * kRows), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        }
        const int64_t ahead = kBlockRows * w.row_bytes;
        for (int k = 0; k < n; k++) {
          for (int p = 0; p < kPanels; p++) {
            pack_panel(wp + p * kRows, (b0 + k) * kBytes, ahead, slab.w[k][p], slab.d[k][p]);
          }
        }
        // Token runs never straddle a tile group (t0 need not start one when T is split over threads).
        for (int64_t t = t0; t < t1;) {
          const int64_t end = std::min(t1, (t / kActTileTokens + 1) * kActTileTokens);
          const int64_t m = std::min<int64_t>(end - t, kTokens);
          if (m == 3) {
            tokens<3>(slab, n, a, nb, b0, t, b0 == 0, mask, y + r, ldy);
          } else if (m == 2) {
            tokens<2>(slab, n, a, nb, b0, t, b0 == 0, mask, y + r, ldy);
          } else {
            tokens<1>(slab, n, a, nb, b0, t, b0 == 0, mask, y + r, ldy);
          }
          t += m;
        }
      }
    }
  }
};
#endif

#if !EMBER_X86_VNNI
// T=1 (decode) rows of Q4_0 weights for the AVX2 variants, which the general micro-kernel left
// compute bound (about 14 vector ops per block and row). Per block and row here: the 16 packed
// bytes broadcast to both halves by the load, one variable shift (high half by 4) and one mask
// give [low nibbles | high nibbles] as u8, then DotU8S8 with the activation block (loaded
// once for all rows), the -8 * sum(a) offset as the int32 starting value, and one convert + FMA
// with the block's scale product, computed kGroup blocks at a time per row (one f16 convert and
// one multiply by the activation scales). Two accumulator sets (even/odd blocks) per row.
struct Q4Gemv {
  static constexpr int kGroup = 8;

  // The f16 scale of block k of the blocks from p.
  static inline uint16_t f16_at(const uint8_t* p, int k) {
    uint16_t h;
    std::memcpy(&h, p + k * kQ4Bytes, 2);
    return h;
  }

  template <int R>
  static void rows(const WeightView& w, const ActQ8& a, int64_t r, int64_t t, float* y, int64_t ldy) {
    const int64_t nb = w.cols / kBlockValues;
    const int8_t* aq = a.q + t * a.cols;
    const float* ad = a.d + t * nb;
    const int32_t* asum = a.sum + t * nb;
    __m256 acc[2][R];
    for (int u = 0; u < 2; u++)
      for (int i = 0; i < R; i++) acc[u][i] = _mm256_setzero_ps();
    const uint8_t* wp[R];
    for (int i = 0; i < R; i++) wp[i] = w.data + (r + i) * w.row_bytes;
    const int64_t ahead = kGemvPrefetchRows * w.row_bytes;
    const __m256i shift = _mm256_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4);
    const __m256i low = _mm256_set1_epi8(0x0F);
    alignas(32) float scale[R][kGroup];
    for (int64_t b0 = 0; b0 < nb; b0 += kGroup) {
      const int n = nb - b0 < kGroup ? (int)(nb - b0) : kGroup;
      for (int i = 0; i < R; i++) {
        const uint8_t* p = wp[i] + b0 * kQ4Bytes;
        if (n == kGroup) {
          __m128i h = _mm_setzero_si128();
          h = _mm_insert_epi16(h, f16_at(p, 0), 0);
          h = _mm_insert_epi16(h, f16_at(p, 1), 1);
          h = _mm_insert_epi16(h, f16_at(p, 2), 2);
          h = _mm_insert_epi16(h, f16_at(p, 3), 3);
          h = _mm_insert_epi16(h, f16_at(p, 4), 4);
          h = _mm_insert_epi16(h, f16_at(p, 5), 5);
          h = _mm_insert_epi16(h, f16_at(p, 6), 6);
          h = _mm_insert_epi16(h, f16_at(p, 7), 7);
          _mm256_store_ps(scale[i], _mm256_mul_ps(_mm256_cvtph_ps(h), _mm256_loadu_ps(ad + b0)));
        } else {
          for (int k = 0; k < n; k++) scale[i][k] = _cvtsh_ss(f16_at(p, k)) * ad[b0 + k];
        }
      }
      // Block b0 + k into one accumulator set (the set is a compile-time choice, so it stays in registers).
      auto step = [&](int k, __m256(&set)[R]) {
        const int64_t b = b0 + k;
        const __m256i as = _mm256_loadu_si256((const __m256i*)(aq + b * kBlockValues));
        const __m256i init = _mm256_set1_epi32(-asum[b]);
        for (int i = 0; i < R; i++) {
          const uint8_t* blk = wp[i] + b * kQ4Bytes;
          if ((k & 1) == 0) _mm_prefetch((const char*)(blk + ahead), _MM_HINT_T1);
          const __m256i packed = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i*)(blk + 2)));
          const __m256i q = _mm256_and_si256(_mm256_srlv_epi32(packed, shift), low);
          const __m256i isum = DotU8S8::dot(init, q, as);
          set[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(scale[i][k]), set[i]);
        }
      };
      int k = 0;
      for (; k + 2 <= n; k += 2) {
        step(k, acc[0]);
        step(k + 1, acc[1]);
      }
      if (k < n) step(k, acc[0]);
    }
    for (int i = 0; i < R; i++) y[t * ldy + r + i] = hsum8(_mm256_add_ps(acc[0][i], acc[1][i]));
  }

  static void tile(const WeightView& w, const ActQ8& a, int64_t r0, int64_t r1, int64_t t, float* y, int64_t ldy) {
    int64_t r = r0;
    for (; r + 4 <= r1; r += 4) rows<4>(w, a, r, t, y, ldy);
    for (; r < r1; r++) rows<1>(w, a, r, t, y, ldy);
  }
};
#endif

template <int R, int TT>
struct Q8Micro : QuantMicroOf<EMBER_Q8_0, R, TT> {};
template <int R, int TT>
struct Q4Micro : QuantMicroOf<EMBER_Q4_0, R, TT> {};

// Float weights (f32, f16 or bf16 converted on load by FloatVec::load_w<dtype>).
template <int DT>
struct FloatOf {
  template <int R, int TT>
  struct Micro {
    static void run(const WeightView& w, const float* x, int64_t r, int64_t t, float* y, int64_t ldy) {
      using V = typename FloatVec::V;
      constexpr int W = FloatVec::kWidth;
      const int64_t cols = w.cols, full = cols - cols % W;
      V acc[R][TT];
      for (int i = 0; i < R; i++)
        for (int j = 0; j < TT; j++) acc[i][j] = FloatVec::zero();
      const uint8_t* wp[R];
      for (int i = 0; i < R; i++) wp[i] = w.data + (r + i) * w.row_bytes;
      // Small T (batched decode) streams the weights as T=1 does: prefetch the rows two groups on.
      constexpr int64_t elem = DT == EMBER_F32 ? 4 : 2;
      const int64_t ahead = 2 * R * w.row_bytes;
      for (int64_t k = 0; k < full; k += W) {
        V wv[R];
        for (int i = 0; i < R; i++) {
          if (W * elem >= 64 || (k & (64 / elem - 1)) == 0) {
            _mm_prefetch((const char*)(wp[i] + k * elem + ahead), _MM_HINT_T1);
          }
          wv[i] = FloatVec::template load_w<DT>(wp[i], k);
        }
        for (int j = 0; j < TT; j++) {
          V xv = FloatVec::load_x(x + (t + j) * cols + k);
          for (int i = 0; i < R; i++) acc[i][j] = FloatVec::fma(wv[i], xv, acc[i][j]);
        }
      }
      if (full < cols) {  // tail: zero-padded copies, then one more vector step
        alignas(64) uint8_t wpad[R][W * 4] = {};
        alignas(64) float xpad[W] = {};
        for (int i = 0; i < R; i++) std::memcpy(wpad[i], wp[i] + full * elem, (cols - full) * elem);
        for (int j = 0; j < TT; j++) {
          std::memcpy(xpad, x + (t + j) * cols + full, (cols - full) * 4);
          V xv = FloatVec::load_x(xpad);
          for (int i = 0; i < R; i++) {
            acc[i][j] = FloatVec::fma(FloatVec::template load_w<DT>(wpad[i], 0), xv, acc[i][j]);
          }
        }
      }
      for (int i = 0; i < R; i++)
        for (int j = 0; j < TT; j++) y[(t + j) * ldy + r + i] = FloatVec::hsum(acc[i][j]);
    }
  };
};

// T=1 (decode) rows of float weights: a stream of weights each used once, so the kernel must
// keep enough loads in flight to reach DRAM bandwidth, and the f16/bf16 conversion must hide
// behind them. Eight-lane vectors on every x86 copy: on Zen 4 (1 thread, Qwen2.5-0.5B shapes),
// 4 eight-lane vectors per row read f16 at about 30 GB/s where 2 sixteen-lane vectors per row read
// 21 GB/s, and 512-bit converts buy nothing on a stream the memory bounds. Four rows per step: on
// Zen 5 two rows kept too few bytes in flight on short rows (the 896-column LM head read f16 at
// 19-22 GB/s with 2 rows, 24-28 GB/s with 4, in five alternating runs). One 64-byte line per row
// per step is prefetched into L2 (T1: a T0 or NTA prefetch halves the rate) from the rows
// kPrefetchGroups groups ahead (the rows of one call are contiguous in memory).
// Rows of at most kStreamMaxCols values go one at a time instead, without software prefetch: the
// rows are contiguous, so that reads the matrix as one sequential stream, which the hardware
// prefetcher follows best (Zen 5, 1 thread, f16 rows of a 720 MB matrix: 29-31 GB/s at 896 and
// 1,536 columns against 22-24 GB/s for four rows at a time; at 4,864 and 8,960 columns the single
// stream reads 22-24 GB/s and four rows at a time 23-26, in alternating runs).
template <int DT>
struct FloatGemvOf {
  using F = Float8;
  using V = F::V;
  static constexpr int W = F::kWidth;
  static constexpr int64_t kElem = DT == EMBER_F32 ? 4 : 2;
  static constexpr int kRows = 4;
  static constexpr int kUnroll = 4;
  static constexpr int kPrefetchGroups = 2;
  static constexpr int64_t kStreamMaxCols = 2048;

  template <int R, bool kPrefetch = true>
  static void rows(const WeightView& w, const float* x, int64_t r, float* y) {
    const int64_t cols = w.cols, full = cols - cols % W;
    V acc[kUnroll][R];
    for (int u = 0; u < kUnroll; u++)
      for (int i = 0; i < R; i++) acc[u][i] = F::zero();
    const uint8_t* wp[R];
    for (int i = 0; i < R; i++) wp[i] = w.data + (r + i) * w.row_bytes;
    const int64_t ahead = kPrefetchGroups * kRows * w.row_bytes;
    constexpr int64_t kStepBytes = kUnroll * W * kElem;  // 64 (f16, bf16) or 128 (f32)
    int64_t k = 0;
    for (; k + kUnroll * W <= full; k += kUnroll * W) {
      V xv[kUnroll];
      for (int u = 0; u < kUnroll; u++) xv[u] = F::load_x(x + k + u * W);
      for (int i = 0; i < R; i++) {
        if constexpr (kPrefetch) {
          for (int64_t line = 0; line < kStepBytes; line += 64) {
            _mm_prefetch((const char*)(wp[i] + k * kElem + line + ahead), _MM_HINT_T1);
          }
        }
        for (int u = 0; u < kUnroll; u++) {
          acc[u][i] = F::fma(F::template load_w<DT>(wp[i], k + u * W), xv[u], acc[u][i]);
        }
      }
    }
    for (int u = 0; k < full; k += W, u++) {
      const V xv = F::load_x(x + k);
      for (int i = 0; i < R; i++) acc[u][i] = F::fma(F::template load_w<DT>(wp[i], k), xv, acc[u][i]);
    }
    if (full < cols) {  // tail: zero-padded copies, then one more vector step
      alignas(64) uint8_t wpad[W * 4] = {};
      alignas(64) float xpad[W] = {};
      std::memcpy(xpad, x + full, (cols - full) * 4);
      const V xv = F::load_x(xpad);
      for (int i = 0; i < R; i++) {
        std::memcpy(wpad, wp[i] + full * kElem, (cols - full) * kElem);
        acc[kUnroll - 1][i] = F::fma(F::template load_w<DT>(wpad, 0), xv, acc[kUnroll - 1][i]);
      }
    }
    for (int i = 0; i < R; i++) {
      V sum = F::add(F::add(acc[0][i], acc[1][i]), F::add(acc[2][i], acc[3][i]));
      y[r + i] = F::hsum(sum);
    }
  }

  static void tile(const WeightView& w, const float* x, int64_t r0, int64_t r1, float* y) {
    if (w.cols <= kStreamMaxCols) {
      for (int64_t r = r0; r < r1; r++) rows<1, false>(w, x, r, y);
      return;
    }
    int64_t r = r0;
    for (; r + kRows <= r1; r += kRows) rows<kRows>(w, x, r, y);
    for (; r < r1; r++) rows<1>(w, x, r, y);
  }
};

// Micro-kernels for every R <= kMaxR, TT <= kMaxT, picked at run time for the edges.
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

// Walks the tile: activation tiles of up to kMaxT rows outside, weight rows of up to kMaxR
// inside, so a tile's activations stay in L1 while the weight chunk streams from L2.
template <typename Fn, typename Src>
inline void walk(const Fn (&fn)[kMaxR + 1][kMaxT + 1], const WeightView& w, const Src& src, int64_t r0, int64_t r1, int64_t t0, int64_t t1, float* y, int64_t ldy) {
  for (int64_t t = t0; t < t1; t += kMaxT) {
    int tt = t1 - t < kMaxT ? (int)(t1 - t) : kMaxT;
    for (int64_t r = r0; r < r1; r += kMaxR) {
      int rr = r1 - r < kMaxR ? (int)(r1 - r) : kMaxR;
      fn[rr][tt](w, src, r, t, y, ldy);
    }
  }
}

void q8_0_tile(const WeightView& w, const ActQ8& a, int64_t r0, int64_t r1, int64_t t0, int64_t t1, float* y,
               int64_t ldy) {
#if EMBER_X86_VNNI
  if (w.panel_bytes != 0) return PanelOf<EMBER_Q8_0>::tile_panels(w, a, r0, r1, t0, t1, y, ldy);
  if (t1 - t0 == 1) return GemvOf<EMBER_Q8_0>::tile(w, a, r0, r1, t0, y, ldy);
  return PanelOf<EMBER_Q8_0>::tile(w, a, r0, r1, t0, t1, y, ldy);
#else
#if EMBER_X86_AVXVNNI
  if (a.tiles != nullptr && t1 - t0 >= 2) return Panel8Of<EMBER_Q8_0>::tile(w, a, r0, r1, t0, t1, y, ldy);
#endif
  static const MicroTable<QuantMicro, Q8Micro> table;
  walk(table.fn, w, a, r0, r1, t0, t1, y, ldy);
#endif
}

void q4_0_tile(const WeightView& w, const ActQ8& a, int64_t r0, int64_t r1, int64_t t0, int64_t t1, float* y,
               int64_t ldy) {
#if EMBER_X86_VNNI
  if (w.panel_bytes != 0) return PanelOf<EMBER_Q4_0>::tile_panels(w, a, r0, r1, t0, t1, y, ldy);
  if (t1 - t0 == 1) return GemvOf<EMBER_Q4_0>::tile(w, a, r0, r1, t0, y, ldy);
  return PanelOf<EMBER_Q4_0>::tile(w, a, r0, r1, t0, t1, y, ldy);
#else
#if EMBER_X86_AVXVNNI
  if (a.tiles != nullptr && t1 - t0 >= 2) return Panel8Of<EMBER_Q4_0>::tile(w, a, r0, r1, t0, t1, y, ldy);
#endif
  if (t1 - t0 == 1) return Q4Gemv::tile(w, a, r0, r1, t0, y, ldy);
  static const MicroTable<QuantMicro, Q4Micro> table;
  walk(table.fn, w, a, r0, r1, t0, t1, y, ldy);
#endif
}

template <int DT>
void float_tile(const WeightView& w, const float* x, int64_t r0, int64_t r1, int64_t t0, int64_t t1, float* y,
                int64_t ldy) {
  if (t1 - t0 == 1) return FloatGemvOf<DT>::tile(w, x + t0 * w.cols, r0, r1, y + t0 * ldy);
  static const MicroTable<FloatMicro, FloatOf<DT>::template Micro> table;
  walk(table.fn, w, x, r0, r1, t0, t1, y, ldy);
}

#if EMBER_X86_VNNI
// The portable quantize_act_block formula on 16 lanes, a block in two vectors: max |x|,
// d = amax / 127, id = 1 / d, then x * id rounded half away from zero (trunc, plus sign when
// |frac| >= 0.5, as a masked add); the int32 values narrow to int8 with vpmovdb (exact: |q| <= 127).
void quantize_act(const float* x, int64_t n_blocks, int8_t* q, float* d, int32_t* sum) {
  const __m512 abs_mask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7fffffff));
  const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f);
  for (int64_t b = 0; b < n_blocks; b++) {
    const float* xb = x + b * kBlockValues;
    const __m512 v[2] = {_mm512_loadu_ps(xb), _mm512_loadu_ps(xb + 16)};
    const __m512 m = _mm512_max_ps(_mm512_and_ps(v[0], abs_mask), _mm512_and_ps(v[1], abs_mask));
    const float amax = _mm512_reduce_max_ps(m);
    const float scale = amax / 127.0f;
    const __m512 id = _mm512_set1_ps(scale != 0 ? 1.0f / scale : 0.0f);
    __m512i iv[2];
    for (int i = 0; i < 2; i++) {
      const __m512 p = _mm512_mul_ps(v[i], id);
      const __m512 tr = _mm512_roundscale_ps(p, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
      const __m512 frac = _mm512_and_ps(_mm512_sub_ps(p, tr), abs_mask);
      const __m512 step = _mm512_or_ps(one, _mm512_andnot_ps(abs_mask, p));  // +-1 with p's sign
      const __mmask16 up = _mm512_cmp_ps_mask(frac, half, _CMP_GE_OQ);
      iv[i] = _mm512_cvttps_epi32(_mm512_mask_add_ps(tr, up, tr, step));
      _mm_storeu_si128((__m128i*)(q + b * kBlockValues + 16 * i), _mm512_cvtepi32_epi8(iv[i]));
    }
    d[b] = scale;
    sum[b] = _mm512_reduce_add_epi32(_mm512_add_epi32(iv[0], iv[1]));
  }
}
#else
// The portable quantize_act_block formula, 8 lanes at a time: max |x|, d = amax / 127,
// id = 1 / d, then x * id rounded half away from zero (trunc, plus sign when |frac| >= 0.5).
void quantize_act(const float* x, int64_t n_blocks, int8_t* q, float* d, int32_t* sum) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (int64_t b = 0; b < n_blocks; b++) {
    const float* xb = x + b * kBlockValues;
    __m256 v[4];
    __m256 m = _mm256_setzero_ps();
    for (int i = 0; i < 4; i++) {
      v[i] = _mm256_loadu_ps(xb + 8 * i);
      m = _mm256_max_ps(m, _mm256_and_ps(v[i], abs_mask));
    }
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float amax = _mm_cvtss_f32(m4);
    const float scale = amax / 127.0f;
    const __m256 id = _mm256_set1_ps(scale != 0 ? 1.0f / scale : 0.0f);
    __m256i iv[4];
    __m256i s = _mm256_setzero_si256();
    for (int i = 0; i < 4; i++) {
      __m256 p = _mm256_mul_ps(v[i], id);
      __m256 tr = _mm256_round_ps(p, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
      __m256 frac = _mm256_and_ps(_mm256_sub_ps(p, tr), abs_mask);
      __m256 step = _mm256_or_ps(one, _mm256_andnot_ps(abs_mask, p));  // +-1 with p's sign
      tr = _mm256_add_ps(tr, _mm256_and_ps(_mm256_cmp_ps(frac, half, _CMP_GE_OQ), step));
      iv[i] = _mm256_cvttps_epi32(tr);
      s = _mm256_add_epi32(s, iv[i]);
    }
    __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(iv[0], iv[1]), _mm256_packs_epi32(iv[2], iv[3]));
    packed = _mm256_permutevar8x32_epi32(packed, order);
    _mm256_storeu_si256((__m256i*)(q + b * kBlockValues), packed);
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4E));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xB1));
    d[b] = scale;
    sum[b] = _mm_cvtsi128_si32(s4);
  }
}
#endif

#if EMBER_X86_VNNI || EMBER_X86_AVXVNNI
// PanelOf's and Panel8Of's activation tiles: per group of kActTileTokens rows and block, one record
// of the block's eight 4-byte steps with the group's rows side by side ([step][row], 256 bytes), then the rows'
// scales (kTileScales), -128 * sum (kTileCorr128, for Q8 weights as w + 128) and -8 * sum
// (kTileCorr8, for Q4 nibbles). Rows past T repeat row T - 1 (their sums are never stored).
void pack_act(const ActQ8& a, int64_t T, int64_t g0, int64_t g1, uint8_t* tiles) {
  static_assert(kActTileTokens == 8, "the transpose below packs 8 rows");
  const int64_t nb = a.cols / kBlockValues;
  for (int64_t g = g0; g < g1; g++) {
    const int8_t* row[8];
    const float* d[8];
    const int32_t* sum[8];
    for (int j = 0; j < 8; j++) {
      const int64_t t = std::min<int64_t>(g * 8 + j, T - 1);
      row[j] = a.q + t * a.cols;
      d[j] = a.d + t * nb;
      sum[j] = a.sum + t * nb;
    }
    uint8_t* rec = tiles + g * nb * kActTileBlockBytes;
    for (int64_t b = 0; b < nb; b++, rec += kActTileBlockBytes) {
      __m256i r[8];
      for (int j = 0; j < 8; j++) r[j] = _mm256_loadu_si256((const __m256i*)(row[j] + b * kBlockValues));
      // Step q of the record holds dword q of rows 0..7.
      __m256i steps[8];
      transpose8x8_epi32(r, steps);
      for (int q = 0; q < 8; q++) _mm256_store_si256((__m256i*)(rec + 32 * q), steps[q]);
      float* scales = (float*)(rec + kTileScales);
      int32_t* c128 = (int32_t*)(rec + kTileCorr128);
      int32_t* c8 = (int32_t*)(rec + kTileCorr8);
      for (int j = 0; j < 8; j++) {
        scales[j] = d[j][b];
        c128[j] = -128 * sum[j][b];
        c8[j] = -8 * sum[j][b];
      }
    }
  }
}

#if EMBER_X86_VNNI
void pack_panels(const WeightView& w, int32_t dtype, int64_t rows, int64_t p0, int64_t p1, int64_t panel_bytes,
                 uint8_t* dst) {
  if (dtype == EMBER_Q8_0) return PanelOf<EMBER_Q8_0>::pack_panels(w, rows, p0, p1, panel_bytes, dst);
  return PanelOf<EMBER_Q4_0>::pack_panels(w, rows, p0, p1, panel_bytes, dst);
}

const LinearKernels kKernels{q8_0_tile, q4_0_tile, float_tile<EMBER_F32>, float_tile<EMBER_F16>,
                             float_tile<EMBER_BF16>, quantize_act, pack_act, nullptr, nullptr, pack_panels};
#else
const LinearKernels kKernels{q8_0_tile, q4_0_tile, float_tile<EMBER_F32>, float_tile<EMBER_F16>,
                             float_tile<EMBER_BF16>, quantize_act, pack_act};
#endif
#else  // the AVX2 variant's tiles read q, d and sum
const LinearKernels kKernels{q8_0_tile, q4_0_tile, float_tile<EMBER_F32>, float_tile<EMBER_F16>,
                             float_tile<EMBER_BF16>, quantize_act};
#endif

}  // namespace
}  // namespace EMBER_X86_NS
}  // namespace ember
