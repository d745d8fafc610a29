/*
 * ember.h - the C API of Ember's kernel library.
 *
 * Plain C types only: the library knows tensors, a transformer forward and a paged
 * KV cache; it knows nothing of requests, Java or scheduling. Java (through the
 * JavaCPP binding dev.ember.kernels.EmberNative) owns scheduling and fills an
 * ember_step per engine step; ember_forward is the one native call per step.
 *
 *   ember_model* m = ember_model_new(&cfg, "cpu", threads, max_batch_tokens);
 *   ember_model_set_tensor(m, EMBER_W_WQ, layer, ptr, EMBER_Q8_0, rows, cols);  ... every tensor
 *   if (ember_model_finalize(m) != 0) puts(ember_last_error());
 *   ember_kv* kv = ember_kv_new(m, num_blocks, 16, EMBER_F16);
 *   ember_forward(m, kv, &step);    // logits for step.logits_indices rows
 *
 * Errors: functions returning int return 0 on success and a negative code (enum
 * ember_status) on failure; functions returning pointers return NULL. ember_last_error()
 * then describes the failure and ember_last_error_code() gives its code (thread-local,
 * valid until the next failure on the same thread).
 *
 * This header is the source of truth of the ABI: the JavaCPP binding and the engine's
 * ordinals are checked against it by tests (EmberHeaderTest, NativeOrdinalsTest).
 *
 * No entry lets a C++ exception out: an allocation that fails reports EMBER_ERR_OUT_OF_MEMORY, a
 * thread that cannot be created EMBER_ERR_SYSTEM, any other exception EMBER_ERR_INTERNAL (or NULL,
 * or a negative size, with the same text in ember_last_error()).
 */
#ifndef EMBER_H
#define EMBER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes ---------------------------------------------------------------- */
enum ember_status {
  EMBER_OK = 0,
  EMBER_ERR_INVALID = -1,              /* bad argument or state */
  EMBER_ERR_MISSING_TENSOR = -2,       /* finalize: a required tensor was never set */
  EMBER_ERR_SHAPE = -3,                /* finalize: a tensor has the wrong shape */
  EMBER_ERR_BACKEND_UNAVAILABLE = -4, /* ember_model_new: no such device in this build/machine */
  EMBER_ERR_SYSTEM = -11,              /* any entry: a thread or other system resource could not be had */
  EMBER_ERR_OUT_OF_MEMORY = -12,       /* any entry: an allocation failed */
  EMBER_ERR_INTERNAL = -99             /* any entry: any other C++ exception */
};

/* ---- data types ------------------------------------------------------------------
 * Weight matrices are row-major [rows = out_features][cols = in_features] (HF Linear and
 * GGUF agree on this memory layout). Quantized types group 32 consecutive values of a row
 * into one block, exactly as GGUF/ggml lay them out, so GGUF tensors are used in place:
 *   Q8_0: { uint16 f16 scale d; int8 q[32]; }            value = d * q[j]          (34 bytes)
 *   Q4_0: { uint16 f16 scale d; uint8 qs[16]; }          value j    = d * ((qs[j] & 15) - 8)
 *                                                         value j+16 = d * ((qs[j] >> 4) - 8) (18 bytes)
 * Quantized matrices need cols % 32 == 0. */
enum ember_dtype {
  EMBER_F32 = 0,
  EMBER_F16 = 1,
  EMBER_BF16 = 2,
  EMBER_Q8_0 = 3,
  EMBER_Q4_0 = 4
};

/* Bytes taken by n values of dtype (n must be a multiple of 32 for quantized types). */
int64_t ember_dtype_bytes(int32_t dtype, int64_t n);

/* ---- model ------------------------------------------------------------------------ */
enum ember_rope_style {
  EMBER_ROPE_NEOX = 0,        /* HF "rotate_half": pairs (i, i + head_dim/2) */
  EMBER_ROPE_INTERLEAVED = 1  /* GGUF llama: pairs (2i, 2i+1) */
};

enum ember_rope_scaling {
  EMBER_ROPE_SCALING_NONE = 0,
  EMBER_ROPE_SCALING_LLAMA3 = 1
};

typedef struct ember_config {
  int32_t hidden_size;
  int32_t num_layers;
  int32_t num_heads;
  int32_t num_kv_heads;
  int32_t head_dim;
  int32_t intermediate_size;
  int32_t vocab_size;
  int32_t max_position;              /* max_position_embeddings */
  float rms_norm_eps;
  float rope_theta;
  int32_t rope_style;                /* enum ember_rope_style */
  int32_t rope_scaling;              /* enum ember_rope_scaling */
  float rope_factor;                 /* llama3: factor */
  float rope_low_freq_factor;        /* llama3: low_freq_factor */
  float rope_high_freq_factor;       /* llama3: high_freq_factor */
  int32_t rope_original_max_position;/* llama3: original_max_position_embeddings */
  int32_t tie_word_embeddings;       /* 1: LM head is the embedding matrix */
  int32_t attention_bias;            /* 1: q/k/v projections have biases (Qwen2) */
} ember_config;

/* Tensor kinds for ember_model_set_tensor. Layer-less kinds ignore the layer argument.
 * 1-D tensors (norms, biases) are passed with rows = 1, cols = n, in f32/f16/bf16; the
 * library copies them. Matrices are uploaded to the model's device: the cpu backend
 * references them in place (they must outlive the model and not change while it lives),
 * and on AVX-512 VNNI CPUs packs the Q8_0/Q4_0 matrices other than the embedding into a
 * layout of its own in the background (ember_model_wait_packed), once for all models made
 * from the same matrix. */
enum ember_tensor_kind {
  EMBER_W_EMBED = 0,      /* [vocab][hidden] */
  EMBER_W_FINAL_NORM = 1, /* [hidden] */
  EMBER_W_LM_HEAD = 2,    /* [vocab][hidden]; absent when tie_word_embeddings */
  EMBER_W_ATTN_NORM = 3,  /* [hidden] */
  EMBER_W_WQ = 4,         /* [heads*head_dim][hidden] */
  EMBER_W_WK = 5,         /* [kv_heads*head_dim][hidden] */
  EMBER_W_WV = 6,         /* [kv_heads*head_dim][hidden] */
  EMBER_W_WO = 7,         /* [hidden][heads*head_dim] */
  EMBER_W_BQ = 8,         /* [heads*head_dim] */
  EMBER_W_BK = 9,         /* [kv_heads*head_dim] */
  EMBER_W_BV = 10,        /* [kv_heads*head_dim] */
  EMBER_W_FFN_NORM = 11,  /* [hidden] */
  EMBER_W_GATE = 12,      /* [intermediate][hidden] */
  EMBER_W_UP = 13,        /* [intermediate][hidden] */
  EMBER_W_DOWN = 14       /* [hidden][intermediate] */
};

typedef struct ember_model ember_model;

/* device: the backend that holds the model's weights, KV cache and activations and runs its
 * ops: "cpu" (NULL means "cpu"); a device this build or machine lacks fails with
 * EMBER_ERR_BACKEND_UNAVAILABLE ("backend not available: ...").
 * threads: worker threads for this model's kernels (the calling thread counts as one);
 * max_batch_tokens: the most tokens one ember_forward may carry (sizes scratch memory). */
ember_model* ember_model_new(const ember_config* config, const char* device, int32_t threads,
                             int32_t max_batch_tokens);
/* The device name the model runs on ("cpu"). */
const char* ember_model_device(const ember_model* model);
int ember_model_set_tensor(ember_model* model, int32_t kind, int32_t layer, const void* data,
                           int32_t dtype, int64_t rows, int64_t cols);
/* Checks every required tensor is present with the right shape; after it the model runs. */
int ember_model_finalize(ember_model* model);
void ember_model_free(ember_model* model);
/* Native bytes the model allocated itself (scratch, copied norms), not the mapped weights. */
int64_t ember_model_scratch_bytes(const ember_model* model);
/* Waits until the matrices ember_model_finalize began packing in the background (on AVX-512
 * VNNI CPUs, the cpu backend's panel layout of Q8_0/Q4_0) are packed: the model's next
 * forward multiplies them. Forwards before then are served from the matrices as set.
 * 0, or a negative code. */
int ember_model_wait_packed(ember_model* model);

/* ---- paged KV cache ----------------------------------------------------------------
 * num_blocks blocks of block_size token slots; slot s lives in block s / block_size at
 * offset s % block_size. Per layer K and V; kv_dtype EMBER_F16 (default) or EMBER_F32. */
typedef struct ember_kv ember_kv;

ember_kv* ember_kv_new(const ember_model* model, int32_t num_blocks, int32_t block_size, int32_t kv_dtype);
void ember_kv_free(ember_kv* kv);
/* Bytes one block takes over all layers, K and V, for sizing a pool from a memory budget. */
int64_t ember_kv_block_bytes(const ember_config* config, int32_t block_size, int32_t kv_dtype);
/* Copies whole blocks src[i] -> dst[i] in every layer (copy-on-write of a shared tail block). */
int ember_kv_copy_blocks(ember_kv* kv, const int32_t* src, const int32_t* dst, int32_t n);
/* Raw access to one block's bytes in every layer, for saving/restoring to disk: the block's
 * contents are ember_kv_block_bytes(...) bytes, gathered into / scattered from buf. */
int ember_kv_read_block(const ember_kv* kv, int32_t block, void* buf);
int ember_kv_write_block(ember_kv* kv, int32_t block, const void* buf);

/* ---- the step ---------------------------------------------------------------------
 * One batch of S sequences and T new tokens (prefill chunks and decodes mixed). Sequence s
 * owns tokens [query_start[s], query_start[s+1]); context_lens[s] counts all its tokens in
 * the cache after this step (cached + new). Token t has absolute position positions[t] and
 * its K/V are written to slot slot_mapping[t] before attention; it attends causally to the
 * sequence's positions 0..positions[t] through the block table row block_tables[s*max_blocks..].
 * Logits are produced for the num_logits token rows listed in logits_indices, written to
 * logits[i*vocab_size..]. */
typedef struct ember_step {
  int32_t num_tokens;
  int32_t num_seqs;
  int32_t max_blocks;
  int32_t num_logits;
  const int32_t* token_ids;      /* [T] */
  const int32_t* positions;      /* [T] */
  const int32_t* query_start;    /* [S+1] */
  const int32_t* context_lens;   /* [S] */
  const int32_t* block_tables;   /* [S*max_blocks] */
  const int32_t* slot_mapping;   /* [T] */
  const int32_t* logits_indices; /* [num_logits] */
  float* logits;                 /* [num_logits*vocab_size] */
} ember_step;

int ember_forward(ember_model* model, ember_kv* kv, const ember_step* step);

/* ---- memory ------------------------------------------------------------------------ */
/* Maps a whole file read-only (MAP_PRIVATE); size_out receives its length. */
void* ember_map_file(const char* path, int64_t* size_out);
int ember_unmap(void* addr, int64_t size);
/* 64-byte aligned native allocation, counted in ember_allocated_bytes(). */
void* ember_alloc(int64_t bytes);
void ember_free(void* ptr);
int64_t ember_allocated_bytes(void);

/* Converts n values (n % 32 == 0 for quantized targets) from src_dtype to dst_dtype
 * (any of f32/f16/bf16 to any dtype; quantized to f32), using threads threads. */
int ember_convert(const void* src, int32_t src_dtype, void* dst, int32_t dst_dtype, int64_t n, int32_t threads);

/* ---- machine ----------------------------------------------------------------------- */
/* Kernel variant in use: "scalar", "avx2", "avx2-vnni", "avx512", "avx512-bf16", "neon", "neon-dotprod",
 * "neon-mmla".
 * avx512-bf16 and neon-mmla multiply bf16 weights by activations rounded to bf16 (vdpbf16ps, BFMMLA) in
 * products of 16 rows or more. */
const char* ember_isa(void);
/* Forces a variant by name (tests compare variants); returns 0, or -1 when unsupported here. */
int ember_force_isa(const char* name);
/* Measured sustained read bandwidth in GB/s streaming over bytes of memory with threads threads. */
double ember_read_bandwidth_gbs(int64_t bytes, int32_t threads);

/* Measured arithmetic peak in G-ops/s (2 ops per multiply-add) on threads threads, using the active
 * variant's widest instructions: kind 0 = f32 fused multiply-add, kind 1 = the int8 dot-product
 * sequence the quantized kernels use (AVX2 vpmaddubsw/vpmaddwd, AVX-VNNI and AVX-512 VNNI vpdpbusd, NEON
 * SDOT, SMMLA on neon-mmla), kind 2 =
 * what bf16 weights are multiplied with (vdpbf16ps on avx512-bf16, BFMMLA on neon-mmla, else the f32 FMA). */
double ember_peak_gops(int32_t kind, int32_t threads);

const char* ember_last_error(void);
/* The enum ember_status code of the last failure on this thread. */
int32_t ember_last_error_code(void);

#ifdef __cplusplus
}
#endif

#endif /* EMBER_H */
