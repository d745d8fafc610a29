// Linear layers over quantized or float weights: y[t][o] = sum_k x[t][k] * W[o][k] (+ bias[o]).
//
//   LinearScratch s = ...; // sized by linear_scratch_bytes
//   linear(pool, w, x, T, y, ldy, bias, scratch);
//
// W is row-major [rows][cols] in any ember_dtype; x is f32 [T][cols] with row stride cols;
// y is f32 with row stride ldy. This is the hot path of every forward: the variant for the
// active ISA is chosen at run time (linear_scalar.cpp, linear_avx2.cpp, linear_avx512.cpp,
// linear_avx512bf16.cpp, linear_neon.cpp, linear_neondot.cpp). Work is split over the pool's members by output rows (and T tiles).
#pragma once

#include <cstdint>

#include "core/thread_pool.h"

namespace ember {

// How a matrix's bytes are laid out: row-major as in the model file, or (Q8_0/Q4_0 only) the
// x86 VNNI panels of 16 rows that pack_panels() makes, which only linear() reads.
enum WeightLayout : int32_t { kRowMajor = 0, kX86Panels = 1 };

struct Tensor {
  const void* data = nullptr;
  int32_t dtype = 0;  // enum ember_dtype
  int64_t rows = 0;
  int64_t cols = 0;
  int32_t layout = kRowMajor;
};

// Bytes of w (row-major, Q8_0 or Q4_0) packed into the active variant's panel layout, or 0 when
// the variant has none (or w is another dtype): then linear() reads w as it is.
int64_t panel_layout_bytes(const Tensor& w);

// Packs w into dst (panel_layout_bytes(w) bytes, which must not be 0; 64-byte aligned) on the pool;
// returns the packed tensor, which linear() multiplies to the same results as w (to the last bit
// for T >= 2) and which nothing else may read.
Tensor pack_panels(ThreadPool& pool, const Tensor& w, void* dst);

// Scratch bytes linear() needs for T input rows of cols values against weights of dtype
// (e.g. the activations quantized to 8-bit blocks for Q8_0/Q4_0 weights).
int64_t linear_scratch_bytes(int32_t dtype, int64_t T, int64_t cols);

// y = x W^T (+ bias). bias may be null (f32 [rows]). scratch: linear_scratch_bytes(...) bytes,
// 64-byte aligned. Runs on all members of pool.
void linear(ThreadPool& pool, const Tensor& w, const float* x, int64_t T, float* y, int64_t ldy,
            const float* bias, void* scratch);

// One product of a group over the same input: y = x W^T (+ bias), y with row stride ldy.
struct LinearOut {
  const Tensor* w;
  float* y;
  int64_t ldy;
  const float* bias;  // may be null
};

// linear() for n weights of the same cols over one input (Q, K and V; gate and up): x is
// quantized once for all of them and one pool task computes every product, with results equal
// to n linear() calls. scratch: the largest linear_scratch_bytes(...) of the n weights.
void linear_group(ThreadPool& pool, const LinearOut* outs, int n, const float* x, int64_t T, void* scratch);

// Gathers rows of an embedding-like matrix into f32: out[i][:] = W[ids[i]][:] for i < n.
void gather_rows(const Tensor& w, const int32_t* ids, int64_t n, float* out);

// Conversion helpers shared by the library (scalar definitions, exact).
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);
float bf16_to_f32(uint16_t h);
uint16_t f32_to_bf16(float f);  // round to nearest even

// Converts n values between dtypes (see ember_convert), on the pool.
void convert(ThreadPool& pool, const void* src, int32_t src_dtype, void* dst, int32_t dst_dtype, int64_t n);

}  // namespace ember
