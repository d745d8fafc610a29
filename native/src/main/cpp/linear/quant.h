// Block quantization shared by convert(), gather_rows() and the activation quantizer (portable).
//
//   quantize_q8_0_block(x, out34);   // ggml's reference Q8_0 formula, bit-exact
//
// The formulas are the contract with the Java side, which implements the same ones.
#pragma once

#include <cstdint>

namespace ember {

// roundf(v): round half away from zero, exact for |v| < 2^31.
int32_t round_half_away(float v);
// Q8_0 of 32 floats into 34 bytes: f16 scale then 32 int8.
void quantize_q8_0_block(const float* x, uint8_t* out);
// Q4_0 of 32 floats into 18 bytes: f16 scale then 16 bytes of nibble pairs.
void quantize_q4_0_block(const float* x, uint8_t* out);
// Q8_0 formula with the scale kept in f32 (activations): q, d and the sum of q.
void quantize_act_block(const float* x, int8_t* q, float* d, int32_t* sum);
// One row of n values of dtype to f32.
void dequantize_row(const void* src, int32_t dtype, int64_t n, float* out);

}  // namespace ember
