// Portable tile kernels: the reference every ISA variant is tested against, and the fallback.
#include <cstring>

#include "linear/kernels.h"
#include "linear/linear.h"
#include "linear/quant.h"

namespace ember {

static float scale_of(const uint8_t* block) {
  uint16_t h;
  std::memcpy(&h, block, 2);
  return f16_to_f32(h);
}

static void q8_0_tile(const WeightView& w, const ActQ8& a, int64_t r0, int64_t r1, int64_t t0, int64_t t1,
                      float* y, int64_t ldy) {
  const int64_t nb = w.cols / kBlockValues;
  for (int64_t t = t0; t < t1; t++) {
    for (int64_t r = r0; r < r1; r++) {
      const uint8_t* blk = w.data + r * w.row_bytes;
      float acc = 0;
      for (int64_t b = 0; b < nb; b++, blk += kQ8Bytes) {
        const int8_t* wq = (const int8_t*)(blk + 2);
        const int8_t* aq = a.q + t * a.cols + b * kBlockValues;
        int32_t isum = 0;
        for (int j = 0; j < kBlockValues; j++) isum += wq[j] * aq[j];
        acc += scale_of(blk) * a.d[t * nb + b] * (float)isum;
      }
      y[t * ldy + r] = acc;
    }
  }
}

static void q4_0_tile(const WeightView& w, const ActQ8& a, int64_t r0, int64_t r1, int64_t t0, int64_t t1,
                      float* y, int64_t ldy) {
  const int64_t nb = w.cols / kBlockValues;
  for (int64_t t = t0; t < t1; t++) {
    for (int64_t r = r0; r < r1; r++) {
      const uint8_t* blk = w.data + r * w.row_bytes;
      float acc = 0;
      for (int64_t b = 0; b < nb; b++, blk += kQ4Bytes) {
        const int8_t* aq = a.q + t * a.cols + b * kBlockValues;
        int32_t isum = 0;
        for (int j = 0; j < 16; j++) {
          isum += ((blk[2 + j] & 15) - 8) * aq[j] + ((blk[2 + j] >> 4) - 8) * aq[j + 16];
        }
        acc += scale_of(blk) * a.d[t * nb + b] * (float)isum;
      }
      y[t * ldy + r] = acc;
    }
  }
}

template <float (*ToF32)(const uint8_t*, int64_t)>
static void float_tile(const WeightView& w, const float* x, int64_t r0, int64_t r1, int64_t t0, int64_t t1,
                       float* y, int64_t ldy) {
  for (int64_t t = t0; t < t1; t++) {
    const float* xt = x + t * w.cols;
    for (int64_t r = r0; r < r1; r++) {
      const uint8_t* row = w.data + r * w.row_bytes;
      float acc = 0;
      for (int64_t k = 0; k < w.cols; k++) acc += ToF32(row, k) * xt[k];
      y[t * ldy + r] = acc;
    }
  }
}

static float f32_at(const uint8_t* row, int64_t k) { return ((const float*)row)[k]; }
static float f16_at(const uint8_t* row, int64_t k) { return f16_to_f32(((const uint16_t*)row)[k]); }
static float bf16_at(const uint8_t* row, int64_t k) { return bf16_to_f32(((const uint16_t*)row)[k]); }

static void quantize_act(const float* x, int64_t n_blocks, int8_t* q, float* d, int32_t* sum) {
  for (int64_t b = 0; b < n_blocks; b++) {
    quantize_act_block(x + b * kBlockValues, q + b * kBlockValues, d + b, sum + b);
  }
}

const LinearKernels& scalar_kernels() {
  static const LinearKernels k{q8_0_tile, q4_0_tile, float_tile<f32_at>, float_tile<f16_at>, float_tile<bf16_at>,
                               quantize_act};
  return k;
}

}  // namespace ember
