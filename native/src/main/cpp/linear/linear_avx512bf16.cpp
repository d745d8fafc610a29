// AVX-512 + BF16 variant: the AVX-512 table, with bf16 weights multiplied by vdpbf16ps (32 bf16
// products summed into 16 f32 lanes per instruction, twice the multiply-adds of an f32 FMA and no
// weight conversion). The activations are rounded to bf16 (nearest even) once per product, by
// pack_bf16, as a bf16 checkpoint's own arithmetic rounds them. Products and sums stay f32.
//
// Tiles for T >= kBf16DotMinRows: 16 weight rows side by side in the 16 lanes of a vector, each
// lane holding one pair of adjacent columns (the row's own 4 bytes: no reordering within a row),
// so one vdpbf16ps advances 16 rows of one activation row by 2 columns, the activation pair broadcast.
// A slab of kSlabPairs pairs of 32 rows is transposed onto the stack (prefetching the next 32 rows
// into L2), then every activation row runs over it kTokens at a time: 24 accumulators, 2 weight
// vectors and one broadcast pair (the embedded-broadcast form of vdpbf16ps ran at half the rate on
// Zen 5). Fewer rows keep the AVX-512 tiles, which stream the weights at the memory's rate.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/isa_compiled.h"
#include "ember.h"
#include "linear/kernels.h"

// GCC 12's AVX-512 headers build some results from a self-initialised __Y and warn about it.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace ember {
namespace avx512bf16 {
namespace {

constexpr int kRows = 16;                   // weight rows per panel: one vector of accumulators
constexpr int kPanels = 2;                  // panels per micro step
constexpr int kTokens = kBf16TileTokens;    // activation rows per micro step: one tile group
constexpr int kSlabPairs = 128;             // column pairs per slab: 16 KiB of weights for 2 panels
constexpr int64_t kRecordBytes = 4 * kTokens;  // one pair of every row of a group

struct Slab {
  __m512i w[kPanels][kSlabPairs];
};

// 16 x 16 transpose of 32-bit elements: out[c] holds element c of r[0..15].
inline void transpose16(const __m512i (&r)[16], __m512i (&out)[16]) {
  __m512i a[16], b[16];
  for (int i = 0; i < 8; i++) {
    a[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    a[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  // b[4i + k], 128-bit lane L: element 4L + k of rows 4i..4i+3.
  for (int i = 0; i < 4; i++) {
    b[4 * i + 0] = _mm512_unpacklo_epi64(a[4 * i], a[4 * i + 2]);
    b[4 * i + 1] = _mm512_unpackhi_epi64(a[4 * i], a[4 * i + 2]);
    b[4 * i + 2] = _mm512_unpacklo_epi64(a[4 * i + 1], a[4 * i + 3]);
    b[4 * i + 3] = _mm512_unpackhi_epi64(a[4 * i + 1], a[4 * i + 3]);
  }
  for (int k = 0; k < 4; k++) {
    const __m512i x = _mm512_shuffle_i32x4(b[k], b[4 + k], _MM_SHUFFLE(2, 0, 2, 0));
    const __m512i y = _mm512_shuffle_i32x4(b[k], b[4 + k], _MM_SHUFFLE(3, 1, 3, 1));
    const __m512i x2 = _mm512_shuffle_i32x4(b[8 + k], b[12 + k], _MM_SHUFFLE(2, 0, 2, 0));
    const __m512i y2 = _mm512_shuffle_i32x4(b[8 + k], b[12 + k], _MM_SHUFFLE(3, 1, 3, 1));
    out[k] = _mm512_shuffle_i32x4(x, x2, _MM_SHUFFLE(2, 0, 2, 0));
    out[8 + k] = _mm512_shuffle_i32x4(x, x2, _MM_SHUFFLE(3, 1, 3, 1));
    out[4 + k] = _mm512_shuffle_i32x4(y, y2, _MM_SHUFFLE(2, 0, 2, 0));
    out[12 + k] = _mm512_shuffle_i32x4(y, y2, _MM_SHUFFLE(3, 1, 3, 1));
  }
}

// Transposes pairs [p0, p0 + n) of the 16 rows at rp into w[0..n): w[p] lane i is pair p0 + p of
// row i. Columns past cols read as zero (masked loads), so a row's odd last value pairs with zero.
// The same columns of the rows `ahead` bytes on are prefetched into L2 (the next row block).
inline void pack_panel(const uint16_t* const (&rp)[kRows], int64_t cols, int64_t p0, int n, int64_t ahead, __m512i* w) {
  for (int q = 0; q < n; q += 16) {
    const int64_t c0 = 2 * (p0 + q);
    const int64_t left = cols - c0;
    const __mmask32 m = left >= 32 ? ~(__mmask32)0 : (__mmask32)((1u << left) - 1);
    __m512i r[16], out[16];
    for (int i = 0; i < kRows; i++) {
      _mm_prefetch((const char*)(rp[i] + c0) + ahead, _MM_HINT_T1);
      r[i] = _mm512_maskz_loadu_epi16(m, rp[i] + c0);
    }
    transpose16(r, out);
    const int count = std::min(16, n - q);
    for (int c = 0; c < count; c++) _mm512_store_si512(&w[q + c], out[c]);
  }
}

// Rows t + lo .. t + hi - 1 of y (lanes in mask) for P panels over the slab's n pairs, t being the
// first row of the group whose record for the slab's first pair is at rec (the group's other rows
// are computed and dropped). Adds to y unless first.
template <int P>
void tokens(const Slab& s, int n, const uint8_t* rec, int64_t t, int lo, int hi, bool first, __mmask16 mask,
            float* y, int64_t ldy) {
  __m512 acc[P][kTokens];
  for (int i = 0; i < P; i++) {
    for (int j = 0; j < kTokens; j++) {
      acc[i][j] = first || j < lo || j >= hi ? _mm512_setzero_ps()
                                      : _mm512_maskz_loadu_ps(i == P - 1 ? mask : (__mmask16)0xFFFF,
                                                              y + (t + j) * ldy + i * kRows);
    }
  }
  for (int p = 0; p < n; p++, rec += kRecordBytes) {
    __m512bh w[P];
    for (int i = 0; i < P; i++) w[i] = (__m512bh)_mm512_load_si512(&s.w[i][p]);
    for (int j = 0; j < kTokens; j++) {
      const __m512bh x = (__m512bh)_mm512_set1_epi32(*(const int32_t*)(rec + 4 * j));
      for (int i = 0; i < P; i++) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], w[i], x);
    }
  }
  for (int j = lo; j < hi; j++) {
    for (int i = 0; i < P; i++) {
      _mm512_mask_storeu_ps(y + (t + j) * ldy + i * kRows, i == P - 1 ? mask : (__mmask16)0xFFFF, acc[i][j]);
    }
  }
}

// Rows [c0, c1) of y for tokens [t0, t1) from pack_bf16's tiles. Slabs outside, row blocks inside:
// every block reads the same pairs of the activations, which stay in L2 from one block to the next.
void bf16_dot_tile(const WeightView& w, const uint8_t* tiles, int64_t c0, int64_t c1, int64_t t0, int64_t t1,
                   float* y, int64_t ldy) {
  alignas(64) Slab slab;
  const int64_t pairs = (w.cols + 1) / 2;
  constexpr int64_t kBlock = kPanels * kRows;
  for (int64_t p0 = 0; p0 < pairs; p0 += kSlabPairs) {
    const int n = pairs - p0 < kSlabPairs ? (int)(pairs - p0) : kSlabPairs;
    for (int64_t r = c0; r < c1; r += kBlock) {
      const int64_t nr = std::min<int64_t>(c1 - r, kBlock);
      const int panels = (int)((nr + kRows - 1) / kRows);
      for (int i = 0; i < panels; i++) {
        const uint16_t* rp[kRows];
        const int64_t last = std::min<int64_t>(nr, (i + 1) * kRows) - 1;  // rows past the end repeat the last
        for (int k = 0; k < kRows; k++) {
          rp[k] = (const uint16_t*)(w.data + (r + std::min<int64_t>(i * kRows + k, last)) * w.row_bytes);
        }
        pack_panel(rp, w.cols, p0, n, kBlock * w.row_bytes, slab.w[i]);
      }
      const int tail = (int)(nr - (panels - 1) * kRows);
      const __mmask16 mask = (__mmask16)((1u << tail) - 1);
      for (int64_t t = t0; t < t1;) {
        const int64_t g = t / kTokens, end = std::min(t1, (g + 1) * kTokens);
        // The whole group is computed (its rows past T repeat row T - 1); only rows [t, end) are
        // touched in y (another member may own the group's other rows when T is split).
        const uint8_t* rec = tiles + (g * pairs + p0) * kRecordBytes;
        const int64_t at = g * kTokens;
        const int lo = (int)(t - at), hi = (int)(end - at);
        if (panels == kPanels) {
          tokens<kPanels>(slab, n, rec, at, lo, hi, p0 == 0, mask, y + r, ldy);
        } else {
          tokens<1>(slab, n, rec, at, lo, hi, p0 == 0, mask, y + r, ldy);
        }
        t = end;
      }
    }
  }
}

// Rows of groups [g0, g1) of x [T][cols] rounded to bf16 into tiles: per group and pair of columns,
// the pair of each of the kTokens rows side by side (a missing odd last column is zero; rows past T
// repeat row T - 1).
void pack_bf16(const float* x, int64_t T, int64_t cols, int64_t g0, int64_t g1, uint8_t* tiles) {
  const int64_t pairs = (cols + 1) / 2;
  for (int64_t g = g0; g < g1; g++) {
    uint8_t* group = tiles + g * pairs * kRecordBytes;
    for (int j = 0; j < kTokens; j++) {
      const float* row = x + std::min<int64_t>(g * kTokens + j, T - 1) * cols;
      for (int64_t c0 = 0; c0 < cols; c0 += 32) {
        const int64_t left = cols - c0;
        const __mmask16 lo = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        const __mmask16 hi = left >= 32 ? (__mmask16)0xFFFF : left > 16 ? (__mmask16)((1u << (left - 16)) - 1) : 0;
        const __m512bh v = _mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(hi, row + c0 + 16), _mm512_maskz_loadu_ps(lo, row + c0));
        alignas(64) int32_t two[16];
        _mm512_store_si512(two, (__m512i)v);
        const int64_t p0 = c0 / 2, count = std::min<int64_t>(16, pairs - p0);
        for (int64_t q = 0; q < count; q++) std::memcpy(group + (p0 + q) * kRecordBytes + 4 * j, &two[q], 4);
      }
    }
  }
}

}  // namespace
}  // namespace avx512bf16

const LinearKernels& avx512bf16_kernels() {
  static const LinearKernels k = [] {
    LinearKernels t = avx512_kernels();
    t.pack_bf16 = avx512bf16::pack_bf16;
    t.bf16_dot = avx512bf16::bf16_dot_tile;
    return t;
  }();
  return k;
}

namespace compiled {
extern const FeatureSet kLinearAvx512Bf16 = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
