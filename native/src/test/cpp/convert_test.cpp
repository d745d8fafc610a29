// Exact conversions: f16/bf16 rounding at every boundary, Q8_0/Q4_0 bytes of hand-computed
// blocks (the Java side checks the same vectors), gather_rows and ember_convert.
#include <cmath>
#include <cstring>
#include <vector>

#include "ember.h"
#include "linear/linear.h"
#include "linear/quant.h"
#include "test.h"

using namespace ember;

static float from_bits(uint32_t x) {
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

TEST(f16_known_values_round_to_nearest_even) {
  struct Case { float in; uint16_t want; } cases[] = {
      {1.0f, 0x3C00}, {-2.0f, 0xC000}, {0.0f, 0x0000}, {-0.0f, 0x8000},
      {65504.0f, 0x7BFF}, {65519.99f, 0x7BFF}, {65520.0f, 0x7C00}, {1e10f, 0x7C00}, {-1e10f, 0xFC00},
      {INFINITY, 0x7C00}, {-INFINITY, 0xFC00},
      {std::ldexp(1.0f, -14), 0x0400},                       // smallest normal
      {std::ldexp(1.0f, -24), 0x0001},                       // smallest subnormal
      {std::ldexp(1.0f, -25), 0x0000},                       // tie between 0 and 1 ulp: even
      {std::ldexp(1.0f, -25) * 1.0000001f, 0x0001},          // just above the tie
      {std::ldexp(3.0f, -25), 0x0002},                       // tie between 1 and 2 ulps: even
      {std::ldexp(1023.5f, -24), 0x0400},                    // tie at the top of subnormals: up to normal
      {1.0f + std::ldexp(1.0f, -11), 0x3C00},                // tie: even mantissa
      {1.0f + std::ldexp(3.0f, -11), 0x3C02},                // tie: even mantissa, up
      {0.1f, 0x2E66},
  };
  for (auto& c : cases) CHECK(f32_to_f16(c.in) == c.want);
  CHECK((f32_to_f16(NAN) & 0x7C00) == 0x7C00 && (f32_to_f16(NAN) & 0x3FF) != 0);
  CHECK((f32_to_f16(from_bits(0x7F800001)) & 0x200) != 0);  // signalling NaN comes back quiet
}

TEST(f16_every_value_round_trips_and_every_midpoint_rounds_to_even) {
  for (uint32_t h = 0; h < 0x10000; h++) {
    float f = f16_to_f32((uint16_t)h);
    if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0) {
      CHECK(std::isnan(f));
      CHECK(std::isnan(f16_to_f32(f32_to_f16(f))));
      continue;
    }
    CHECK(f32_to_f16(f) == h);
    uint32_t mag = h & 0x7FFF;
    if (mag >= 0x7BFF) continue;  // the next value up is infinity
    float next = f16_to_f32((uint16_t)(h + 1));
    float mid = (float)(((double)f + (double)next) / 2);  // exact: 12 significant bits
    uint16_t even = (h & 1) == 0 ? (uint16_t)h : (uint16_t)(h + 1);
    CHECK(f32_to_f16(mid) == even);
    CHECK(f32_to_f16(std::nextafter(mid, 0.0f)) == h);
    CHECK(f32_to_f16(std::nextafter(mid, f > 0 || h == 0 ? INFINITY : -INFINITY)) == (uint16_t)(h + 1));
  }
}

TEST(f16_subnormals_decode_exactly) {
  CHECK(f16_to_f32(0x0001) == std::ldexp(1.0f, -24));
  CHECK(f16_to_f32(0x03FF) == std::ldexp(1023.0f, -24));
  CHECK(f16_to_f32(0x8001) == -std::ldexp(1.0f, -24));
  CHECK(std::signbit(f16_to_f32(0x8000)));
  CHECK(std::isinf(f16_to_f32(0x7C00)) && f16_to_f32(0xFC00) < 0);
}

TEST(bf16_rounds_to_nearest_even_and_keeps_nan) {
  CHECK(f32_to_bf16(1.0f) == 0x3F80);
  CHECK(f32_to_bf16(from_bits(0x3F808000)) == 0x3F80);  // tie, even stays
  CHECK(f32_to_bf16(from_bits(0x3F818000)) == 0x3F82);  // tie, odd goes up
  CHECK(f32_to_bf16(from_bits(0x3F808001)) == 0x3F81);
  CHECK(f32_to_bf16(from_bits(0x7F7FFFFF)) == 0x7F80);  // max float rounds to inf
  CHECK(f32_to_bf16(INFINITY) == 0x7F80 && f32_to_bf16(-INFINITY) == 0xFF80);
  CHECK(f32_to_bf16(from_bits(0x00000001)) == 0x0000);  // tiny subnormal rounds to zero
  CHECK(f32_to_bf16(from_bits(0x00018000)) == 0x0002);  // subnormal tie, odd goes up
  uint16_t nan = f32_to_bf16(from_bits(0x7F800001));
  CHECK((nan & 0x7F80) == 0x7F80 && (nan & 0x40) != 0);
  CHECK(std::isnan(bf16_to_f32(f32_to_bf16(NAN))));
  for (uint32_t h = 0; h < 0x7F80; h++) {
    float f = bf16_to_f32((uint16_t)h);
    CHECK(f32_to_bf16(f) == h);
    CHECK(f32_to_bf16(-f) == (h | 0x8000));
  }
}

// amax 127 gives d = 1 and id = 1, so the int8 values are roundf of the inputs themselves.
TEST(q8_0_block_bytes_match_hand_computed) {
  float x[32];
  for (int j = 0; j < 32; j++) x[j] = (float)(j - 16);
  x[0] = 127.0f;
  x[1] = 2.5f;                 // tie: away from zero -> 3
  x[2] = -2.5f;                // -> -3
  x[3] = 0.5f;                 // -> 1
  x[4] = -0.5f;                // -> -1
  x[5] = 0.49999997f;          // -> 0
  x[6] = -126.5f;              // -> -127
  x[7] = 1.4999999f;           // -> 1
  uint8_t got[34];
  quantize_q8_0_block(x, got);
  uint8_t want[34] = {0x00, 0x3C, 127, 3, (uint8_t)-3, 1, (uint8_t)-1, 0, (uint8_t)-127, 1};
  for (int j = 8; j < 32; j++) want[2 + j] = (uint8_t)(int8_t)(j - 16);
  CHECK(std::memcmp(got, want, 34) == 0);
}

TEST(q8_0_zero_block_has_zero_scale) {
  float x[32] = {0};
  uint8_t got[34], want[34] = {0};
  quantize_q8_0_block(x, got);
  CHECK(std::memcmp(got, want, 34) == 0);
}

// max -8 (first of the largest magnitudes) gives d = 1, id = 1: q = min(15, (int)(x + 8.5)).
TEST(q4_0_block_bytes_match_hand_computed) {
  float x[32];
  for (int j = 0; j < 32; j++) x[j] = 0.0f;  // -> 8
  x[0] = -8.0f;   // -> 0 (the max, first on the tie with x[1])
  x[1] = 8.0f;    // 16.5 -> 15 (clamped)
  x[2] = 7.0f;    // -> 15
  x[3] = 7.4f;    // 15.9 -> 15
  x[4] = -0.5f;   // 8.0 -> 8
  x[5] = -0.6f;   // 7.9 -> 7
  x[6] = 0.49f;   // 8.99 -> 8
  x[7] = 0.5f;    // 9.0 -> 9
  x[16] = -3.0f;  // 5.5 -> 5
  x[17] = 2.0f;   // 10.5 -> 10
  x[31] = -7.9f;  // 0.6 -> 0
  uint8_t got[18];
  quantize_q4_0_block(x, got);
  uint8_t want[18] = {0x00, 0x3C};
  int lo[16] = {0, 15, 15, 15, 8, 7, 8, 9, 8, 8, 8, 8, 8, 8, 8, 8};
  int hi[16] = {5, 10, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 0};
  for (int j = 0; j < 16; j++) want[2 + j] = (uint8_t)(lo[j] | hi[j] << 4);
  CHECK(std::memcmp(got, want, 18) == 0);
}

// max +8 gives d = -1 (f16 0xBC00), id = -1: q = min(15, (int)(8.5 - x)).
TEST(q4_0_positive_max_gives_negative_scale) {
  float x[32];
  for (int j = 0; j < 32; j++) x[j] = 1.0f;  // 7.5 -> 7
  x[0] = 8.0f;    // 0.5 -> 0
  x[1] = -7.0f;   // 15.5 -> 15
  x[16] = -8.0f;  // tie in magnitude with x[0], not first: 16.5 -> 15
  uint8_t got[18];
  quantize_q4_0_block(x, got);
  uint8_t want[18] = {0x00, 0xBC};
  for (int j = 0; j < 16; j++) want[2 + j] = 7 | 7 << 4;
  want[2] = 0 | 15 << 4;
  want[3] = 15 | 7 << 4;
  CHECK(std::memcmp(got, want, 18) == 0);
}

TEST(gather_rows_dequantizes_each_dtype) {
  const int64_t rows = 5, cols = 64;
  std::vector<float> src(rows * cols);
  for (int64_t i = 0; i < rows * cols; i++) src[i] = (float)((i * 37) % 101 - 50) * 0.25f;
  ThreadPool pool(1);
  int32_t ids[3] = {4, 0, 4};
  for (int32_t dtype : {EMBER_F32, EMBER_F16, EMBER_BF16, EMBER_Q8_0, EMBER_Q4_0}) {
    std::vector<uint8_t> w(ember_dtype_bytes(dtype, rows * cols));
    convert(pool, src.data(), EMBER_F32, w.data(), dtype, rows * cols);
    std::vector<float> all(rows * cols), got(3 * cols);
    convert(pool, w.data(), dtype, all.data(), EMBER_F32, rows * cols);
    gather_rows(Tensor{w.data(), dtype, rows, cols}, ids, 3, got.data());
    for (int i = 0; i < 3; i++) {
      CHECK(std::memcmp(got.data() + i * cols, all.data() + ids[i] * cols, cols * 4) == 0);
    }
    // f32/f16/bf16 hold these quarter steps exactly; Q8_0 within half a step (amax 12.5) plus
    // the f16 rounding of the scale (15% margin); Q4_0 within a full step (-max clamps to 7d).
    double tol = dtype == EMBER_Q4_0 ? 12.5 / 8 * 1.01 : dtype == EMBER_Q8_0 ? 12.5 / 254 * 1.15 : 0;
    for (int64_t k = 0; k < cols; k++) CHECK(std::fabs(got[k] - src[4 * cols + k]) <= tol);
  }
}

TEST(ember_convert_round_trips_through_every_dtype) {
  std::vector<float> src(96), back(96);
  for (int i = 0; i < 96; i++) src[i] = (float)(i % 7) - 3.0f;  // exact in every dtype
  for (int32_t dtype : {EMBER_F32, EMBER_F16, EMBER_BF16, EMBER_Q8_0}) {
    std::vector<uint8_t> mid(ember_dtype_bytes(dtype, 96));
    CHECK(ember_convert(src.data(), EMBER_F32, mid.data(), dtype, 96, 2) == 0);
    CHECK(ember_convert(mid.data(), dtype, back.data(), EMBER_F32, 96, 3) == 0);
    for (int i = 0; i < 96; i++) CHECK_NEAR(back[i], src[i], dtype == EMBER_Q8_0 ? 3.0 / 254 * 1.15 : 0);
  }
  std::vector<uint8_t> h(192), b(192);
  CHECK(ember_convert(src.data(), EMBER_F32, h.data(), EMBER_F16, 96, 1) == 0);
  CHECK(ember_convert(h.data(), EMBER_F16, b.data(), EMBER_BF16, 96, 1) == 0);
  CHECK(ember_convert(b.data(), EMBER_BF16, back.data(), EMBER_F32, 96, 1) == 0);
  CHECK(std::memcmp(back.data(), src.data(), 96 * 4) == 0);
  CHECK(ember_convert(h.data(), EMBER_Q8_0, b.data(), EMBER_F16, 96, 1) < 0);
  CHECK(ember_convert(src.data(), EMBER_F32, b.data(), EMBER_Q8_0, 33, 1) < 0);
}
