// Exact scalar conversions between Ember's dtypes (f32, f16, bf16, Q8_0, Q4_0).
#include <cmath>
#include <cstring>

#include "ember.h"
#include "linear/linear.h"
#include "linear/kernels.h"
#include "linear/quant.h"

// x * id + 8.5f in the Q4_0 formula must round twice, as the Java side does: no FMA.
#pragma GCC optimize("fp-contract=off")

namespace ember {

static uint32_t bits_of(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  return x;
}

static float float_of(uint32_t x) {
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

float f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  if (exp == 0) {
    float v = (float)mant * 5.9604644775390625e-8f;  // mant * 2^-24, exact
    return float_of(bits_of(v) | sign);
  }
  if (exp == 31) return float_of(sign | 0x7f800000u | (mant << 13));
  return float_of(sign | ((exp + 112) << 23) | (mant << 13));
}

uint16_t f32_to_f16(float f) {
  uint32_t x = bits_of(f);
  uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
  uint32_t ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u) return sign | 0x7e00 | (uint16_t)((ax >> 13) & 0x3ff);  // NaN stays quiet NaN
  if (ax >= 0x477ff000u) return sign | 0x7c00;  // >= 65520 rounds to infinity
  if (ax < 0x38800000u) {                         // below 2^-14: f16 subnormal or zero
    if (ax < 0x33000000u) return sign;            // below 2^-25 rounds to zero
    uint32_t e = ax >> 23, m = (ax & 0x7fffff) | 0x800000;
    uint32_t shift = 126 - e;
    uint32_t h = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1))) h++;
    return sign | (uint16_t)h;
  }
  uint32_t h = (ax - 0x38000000u) >> 13, rem = ax & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) h++;
  return sign | (uint16_t)h;
}

float bf16_to_f32(uint16_t h) { return float_of((uint32_t)h << 16); }

uint16_t f32_to_bf16(float f) {
  uint32_t x = bits_of(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40);  // quiet NaN
  x += 0x7fff + ((x >> 16) & 1);
  return (uint16_t)(x >> 16);
}

int32_t round_half_away(float v) {
  double t = v >= 0 ? (double)v + 0.5 : (double)v - 0.5;  // exact in double, then truncate
  return (int32_t)t;
}

void quantize_act_block(const float* x, int8_t* q, float* d, int32_t* sum) {
  float amax = 0;
  for (int j = 0; j < kBlockValues; j++) amax = std::fmax(amax, std::fabs(x[j]));
  float scale = amax / 127.0f;
  float id = scale != 0 ? 1.0f / scale : 0.0f;
  int32_t s = 0;
  for (int j = 0; j < kBlockValues; j++) {
    int32_t v = round_half_away(x[j] * id);
    q[j] = (int8_t)v;
    s += v;
  }
  *d = scale;
  *sum = s;
}

void quantize_q8_0_block(const float* x, uint8_t* out) {
  float d;
  int32_t sum;
  quantize_act_block(x, (int8_t*)(out + 2), &d, &sum);
  uint16_t h = f32_to_f16(d);
  std::memcpy(out, &h, 2);
}

void quantize_q4_0_block(const float* x, uint8_t* out) {
  float amax = 0, max = 0;
  for (int j = 0; j < kBlockValues; j++) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  float d = max / -8.0f;
  float id = d != 0 ? 1.0f / d : 0.0f;
  uint8_t q[kBlockValues];
  for (int j = 0; j < kBlockValues; j++) {
    float shifted = x[j] * id + 8.5f;
    int v = (int)shifted;
    q[j] = (uint8_t)(v < 15 ? v : 15);
  }
  uint16_t h = f32_to_f16(d);
  std::memcpy(out, &h, 2);
  for (int j = 0; j < 16; j++) out[2 + j] = (uint8_t)(q[j] | (q[j + 16] << 4));
}

void dequantize_row(const void* src, int32_t dtype, int64_t n, float* out) {
  switch (dtype) {
    case EMBER_F32:
      std::memcpy(out, src, (size_t)n * 4);
      return;
    case EMBER_F16: {
      const uint16_t* s = (const uint16_t*)src;
      for (int64_t i = 0; i < n; i++) out[i] = f16_to_f32(s[i]);
      return;
    }
    case EMBER_BF16: {
      const uint16_t* s = (const uint16_t*)src;
      for (int64_t i = 0; i < n; i++) out[i] = bf16_to_f32(s[i]);
      return;
    }
    case EMBER_Q8_0: {
      const uint8_t* b = (const uint8_t*)src;
      for (int64_t i = 0; i < n; i += kBlockValues, b += kQ8Bytes) {
        uint16_t h;
        std::memcpy(&h, b, 2);
        float d = f16_to_f32(h);
        for (int j = 0; j < kBlockValues; j++) out[i + j] = d * (float)(int8_t)b[2 + j];
      }
      return;
    }
    case EMBER_Q4_0: {
      const uint8_t* b = (const uint8_t*)src;
      for (int64_t i = 0; i < n; i += kBlockValues, b += kQ4Bytes) {
        uint16_t h;
        std::memcpy(&h, b, 2);
        float d = f16_to_f32(h);
        for (int j = 0; j < 16; j++) {
          out[i + j] = d * (float)((b[2 + j] & 15) - 8);
          out[i + j + 16] = d * (float)((b[2 + j] >> 4) - 8);
        }
      }
      return;
    }
  }
}

void gather_rows(const Tensor& w, const int32_t* ids, int64_t n, float* out) {
  int64_t row_bytes = ember_dtype_bytes(w.dtype, w.cols);
  for (int64_t i = 0; i < n; i++) {
    dequantize_row((const uint8_t*)w.data + ids[i] * row_bytes, w.dtype, w.cols, out + i * w.cols);
  }
}

// Converts one chunk of n values (n % 32 == 0 when either side is quantized).
static void convert_chunk(const void* src, int32_t src_dtype, void* dst, int32_t dst_dtype, int64_t n) {
  if (src_dtype == EMBER_Q8_0 || src_dtype == EMBER_Q4_0 || dst_dtype == EMBER_F32) {
    dequantize_row(src, src_dtype, n, (float*)dst);
    return;
  }
  float buf[256];
  int64_t dst_elem_bytes = dst_dtype == EMBER_F16 || dst_dtype == EMBER_BF16 ? 2 : 0;
  for (int64_t i = 0; i < n; i += 256) {
    int64_t m = n - i < 256 ? n - i : 256;
    const uint8_t* s = (const uint8_t*)src + ember_dtype_bytes(src_dtype, i);
    dequantize_row(s, src_dtype, m, buf);
    uint8_t* d = (uint8_t*)dst + (dst_elem_bytes ? i * dst_elem_bytes : ember_dtype_bytes(dst_dtype, i));
    for (int64_t j = 0; j < m; j++) {
      switch (dst_dtype) {
        case EMBER_F16: ((uint16_t*)d)[j] = f32_to_f16(buf[j]); break;
        case EMBER_BF16: ((uint16_t*)d)[j] = f32_to_bf16(buf[j]); break;
        case EMBER_Q8_0:
          if (j % kBlockValues == 0) quantize_q8_0_block(buf + j, d + j / kBlockValues * kQ8Bytes);
          break;
        case EMBER_Q4_0:
          if (j % kBlockValues == 0) quantize_q4_0_block(buf + j, d + j / kBlockValues * kQ4Bytes);
          break;
      }
    }
  }
}

void convert(ThreadPool& pool, const void* src, int32_t src_dtype, void* dst, int32_t dst_dtype, int64_t n) {
  pool.run([&](int tid, int nth) {
    int64_t b, e;
    split_range(n, tid, nth, 256, &b, &e);
    if (b >= e) return;
    convert_chunk((const uint8_t*)src + ember_dtype_bytes(src_dtype, b), src_dtype,
                  (uint8_t*)dst + ember_dtype_bytes(dst_dtype, b), dst_dtype, e - b);
  });
}

}  // namespace ember
