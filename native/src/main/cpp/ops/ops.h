// Per-token ops of the transformer forward (everything but the linear layers): RMSNorm,
// RoPE, SwiGLU, the paged KV write and causal grouped-query attention over the paged cache.
//
//   rms_norm(x, w, T, n, eps, out);                       // portable (ops.cpp)
//   attention(pool, kernels(), geometry, step, q, out, scratch);   // attention.cpp
//
// Plain C++ over raw pointers. The inner loops of attention and the f16 conversion of K/V
// are per ISA (ops_scalar.cpp, ops_avx2.cpp, ops_neon.cpp) behind AttentionKernels.
#pragma once

#include <cstdint>

#include "core/isa.h"
#include "core/thread_pool.h"

namespace ember {

// ---- row ops (one row of n values; callers parallelise over rows) ------------------------

// out = x * w / sqrt(mean(x^2) + eps), in f32 with a double accumulator.
void rms_norm_row(const float* x, const float* w, int64_t n, float eps, float* out);
// x += delta; out = rms_norm(x): the residual add fused with the next norm.
void add_rms_norm_row(float* x, const float* delta, const float* w, int64_t n, float eps, float* out);
// x += delta.
void add_row(float* x, const float* delta, int64_t n);
// gate = silu(gate) * up, in place over gate (the portable reference of RowKernels::swiglu).
void swiglu_row(float* gate, const float* up, int64_t n);

// Row ops with a per-ISA inner loop (row_ops_avx2.cpp, row_ops_neon.cpp; vector exp).
struct RowKernels {
  // gate = silu(gate) * up, in place over gate.
  void (*swiglu)(float* gate, const float* up, int64_t n);
};

// The row kernels for isa (Avx512 uses the AVX2 ones; NeonDot the NEON ones).
const RowKernels& row_kernels(Isa isa);
const RowKernels& scalar_row_kernels();
const RowKernels& avx2_row_kernels();
const RowKernels& neon_row_kernels();

// ---- RoPE -------------------------------------------------------------------------------

// Rotary frequencies of one model: inv_freq[i] for i < head_dim/2 (llama3 scaling applied).
struct RopeConfig {
  int32_t head_dim = 0;
  int32_t style = 0;  // enum ember_rope_style
  float theta = 10000.f;
  int32_t scaling = 0;  // enum ember_rope_scaling
  float factor = 1.f, low_freq_factor = 1.f, high_freq_factor = 4.f;
  int32_t original_max_position = 8192;
};
void rope_inv_freq(const RopeConfig& c, float* inv_freq);
// cos/sin of position * inv_freq: cs[0..half) = cos, cs[half..2*half) = sin.
void rope_angles(const float* inv_freq, int32_t half, int32_t position, float* cs);
// Rotates the heads of one token in place: x holds heads * head_dim values.
void rope_apply(float* x, int32_t heads, int32_t head_dim, int32_t style, const float* cs);

// ---- attention kernels (per ISA) -----------------------------------------------------

// Inner loops over one tile of n keys (rows of d values, contiguous in the cache).
struct AttentionKernels {
  // s[j] = dot(q, k[j]) for j < n.
  void (*scores_f32)(const float* q, const float* k, int n, int d, float* s);
  void (*scores_f16)(const float* q, const uint16_t* k, int n, int d, float* s);
  // acc += sum_j p[j] * v[j].
  void (*accumulate_f32)(const float* p, const float* v, int n, int d, float* acc);
  void (*accumulate_f16)(const float* p, const uint16_t* v, int n, int d, float* acc);
  // dst = f16(src), round to nearest even.
  void (*to_f16)(const float* src, uint16_t* dst, int64_t n);
  // One tile of online softmax: s[j] *= scale, m = max(*max, s[0..n)), s[j] = exp(s[j] - m);
  // stores m in *max and returns sum_j s[j].
  float (*exp_scores)(float* s, int n, float scale, float* max);
  // Optional (null where a variant has none): one tile of keys j0 .. j0 + n - 1 (n <= kAttentionTile;
  // f32 rows k[j][d], v[j][d]) for chunk_heads query heads of kAttentionQueryChunk queries each, side by
  // side, one per lane (lane = head * kAttentionQueryChunk + query): qt[x][lane] holds the queries
  // already scaled by 1 / sqrt(d), pos[lane] their positions (key j0 + j is visible to a lane when
  // j0 + j <= pos[lane]); m[lane] and l[lane] are the running max and sum of the online softmax (-inf
  // and 0 before the first tile) and ot[x][lane] the unnormalized output, all updated.
  void (*chunk_tile)(const float* qt, const int32_t* pos, int32_t j0, const float* k, const float* v, int n, int d,
                     float* m, float* l, float* ot);
  // dst = f32(src) (exact).
  void (*from_f16)(const uint16_t* src, float* dst, int64_t n);
  // Query heads one chunk_tile call covers (they share the tile's K and V).
  int chunk_heads = 1;
};

// The kernels for isa (Avx512 uses the AVX2 ones but for its two-head chunk kernel; NeonDot the NEON ones).
const AttentionKernels& attention_kernels(Isa isa);
const AttentionKernels& scalar_attention_kernels();
const AttentionKernels& avx2_attention_kernels();
const AttentionKernels& avx512_attention_kernels();
const AttentionKernels& neon_attention_kernels();

// ---- paged KV cache and attention -------------------------------------------------------

// Where one layer's K and V live: [num_blocks][kv_heads][block_size][head_dim] each.
struct KvLayer {
  void* k = nullptr;
  void* v = nullptr;
  int32_t dtype = 0;  // EMBER_F16 or EMBER_F32
  int32_t block_size = 0;
  int32_t kv_heads = 0;
  int32_t head_dim = 0;
};

// Token geometry of one step (see ember_step).
struct StepView {
  int32_t num_tokens;
  int32_t num_seqs;
  int32_t max_blocks;
  const int32_t* positions;
  const int32_t* query_start;
  const int32_t* block_tables;
  const int32_t* slot_mapping;
};

// Writes token t's K and V rows (kv_heads*head_dim values each, row stride ld) to its slot.
// Tokens with a negative slot are skipped.
void kv_write(ThreadPool& pool, const AttentionKernels& kern, const KvLayer& layer, const StepView& step,
              const float* k, const float* v, int64_t ld);

// Query tokens one attention task covers.
constexpr int kAttentionQueryChunk = 8;
// Keys one attention step covers (a tile of the context).
constexpr int kAttentionTile = 32;
// Scratch floats attention needs per pool member.
int64_t attention_scratch_floats(int32_t head_dim);

// out[t][h*d..] = softmax(q_t . K / sqrt(d)) V over the sequence's positions 0..positions[t],
// for heads query heads sharing kv_heads KV heads. q and out have row stride heads*d.
// scratch: pool.size() * attention_scratch_floats(d) floats.
void attention(ThreadPool& pool, const AttentionKernels& kern, const KvLayer& layer, const StepView& step,
               int32_t heads, const float* q, float* out, float* scratch);

}  // namespace ember
