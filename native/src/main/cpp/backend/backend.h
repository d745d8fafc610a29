// Backend: the device seam of the library. The transformer forward (model/forward.cpp) is
// written once over these operations; a backend owns a device's memory and runs them there.
// The CPU backend (backend/cpu_backend.cpp) is the first implementation: host memory and the
// kernels in linear/ and ops/. A CUDA or Ascend backend implements the same interface; the paged
// KV cache (kv/) lives in its memory.
//
//   std::shared_ptr<Backend> b = Backend::create("cpu", threads);   // nullptr + ember_last_error
//   float* x = (float*)b->alloc(bytes);
//   b->matmul(w, x, T, y, ldy, bias);  ...  b->synchronize();
//   b->free(x);
//
// Pointers passed to the ops are device pointers (from alloc, upload_weight or a KvLayer); on the
// CPU they are host pointers. Ops may run asynchronously: results are visible on the host after
// copy_to_host or synchronize. A backend knows nothing of requests or scheduling.
#pragma once

#include <cstdint>
#include <memory>

#include "ember.h"
#include "linear/linear.h"
#include "ops/ops.h"

namespace ember {

// Device-side view of one step's arrays (see ember_step): on the CPU the step's own host arrays.
struct StepInputs {
  const int32_t* token_ids = nullptr;       // [T]
  const int32_t* logits_indices = nullptr;  // [num_logits]
  StepView view{};                          // positions, query starts, block tables, slot mapping
  float* logits = nullptr;                  // [num_logits][vocab]: where the LM head writes
};

// Parameters of on-device sampling (see Backend::sample): greedy when top_k == 1.
struct SampleParams {
  int32_t top_k = 1;
  float temperature = 0.f;
  uint64_t seed = 0;
};

// What a weight matrix serves: products only (the backend may keep it in a layout of its own), or
// embedding lookups too, which read its rows.
enum class WeightUse { Matmul, Rows };

class Backend {
 public:
  virtual ~Backend() = default;

  // The backend for device ("cpu"; null means "cpu"), or nullptr with ember_last_error set and the
  // code EMBER_ERR_BACKEND_UNAVAILABLE when this build or machine has no such device.
  static std::shared_ptr<Backend> create(const char* device, int32_t threads);

  // Device name as passed to ember_model_new ("cpu").
  virtual const char* name() const = 0;

  // ---- memory -------------------------------------------------------------------------
  // Device memory of bytes bytes (64-byte aligned), or nullptr with ember_last_error set.
  virtual void* alloc(int64_t bytes) = 0;
  virtual void free(void* ptr) = 0;
  virtual void copy_to_device(void* dst, const void* host_src, int64_t bytes) = 0;
  virtual void copy_to_host(void* host_dst, const void* src, int64_t bytes) = 0;
  virtual void copy_on_device(void* dst, const void* src, int64_t bytes) = 0;
  // Makes a host weight matrix usable by matmul (and by embed unless use is Matmul): the CPU
  // references it in place (a copy of its own that it may pack at once with weights=replicate); a
  // device backend copies it into memory it owns until free_weight. 0, or a negative code.
  virtual int upload_weight(const Tensor& host, WeightUse use, Tensor* device) = 0;
  virtual void free_weight(const Tensor& device) = 0;
  // Packs a matrix that upload_weight left in place and only matmul reads into a layout of the
  // backend's own (the CPU's panels), from any thread and without the ops' threads, so that a model
  // can serve while its weights are packed: 0 with *packed set (free it with free_weight), 1 when
  // the backend keeps the matrix as it is, or a negative code.
  virtual int pack_weight(const Tensor& device, Tensor* packed) { return 1; }
  // Waits until every op issued so far has finished.
  virtual void synchronize() = 0;

  // Reserves what matmul over w with up to max_rows input rows needs, and what attention over heads
  // of head_dim needs for up to max_tokens query tokens (called before the first forward).
  virtual int reserve_matmul(const Tensor& w, int64_t max_rows) = 0;
  virtual int reserve_attention(int32_t head_dim, int32_t max_tokens) = 0;
  // Bytes reserved so far for op workspaces.
  virtual int64_t workspace_bytes() const = 0;

  // Makes a step's arrays usable by the ops (a device backend copies the integer inputs in once per
  // step and gives a device buffer for the logits); finish_step brings the logits back to
  // step.logits and waits for the step's ops.
  virtual StepInputs stage_step(const ember_step& step) = 0;
  virtual void finish_step(const ember_step& step, const StepInputs& staged) = 0;

  // ---- the op set of one forward (f32 activations, row-major [T][n]) --------------------
  // y[t][o] = sum_k x[t][k] * W[o][k] (+ bias[o]); y has row stride ldy. W in any ember_dtype.
  virtual void matmul(const Tensor& w, const float* x, int64_t T, float* y, int64_t ldy, const float* bias) = 0;
  // matmul of one input x [T][cols] with n weights of the same cols (Q, K, V; gate, up), so that a
  // backend can prepare x once for all of them (the CPU quantizes it once). Results equal n
  // matmul calls, which is what this default does.
  virtual void matmul_group(const LinearOut* outs, int n, const float* x, int64_t T);
  // out[i] = W[ids[i]] converted to f32 (embedding gather).
  virtual void embed(const Tensor& w, const int32_t* ids, int64_t n, float* out) = 0;
  // out[i] = x[rows[i]] (logits gather: the rows whose logits a step asks for).
  virtual void gather_rows(const float* x, const int32_t* rows, int64_t n, int64_t width, float* out) = 0;
  // out[t] = rms_norm(x[t]) * w.
  virtual void rms_norm(const float* x, const float* w, int64_t T, int64_t n, float eps, float* out) = 0;
  // x[t] += delta[t]; then out[t] = rms_norm(x[t]) * w, or nothing more when w is null.
  virtual void add_rms_norm(float* x, const float* delta, const float* w, int64_t T, int64_t n, float eps,
                            float* out) = 0;
  // cs[t] = cos/sin of positions[t] * inv_freq (half = head_dim / 2 values each).
  virtual void rope_angles(const float* inv_freq, int32_t half, const int32_t* positions, int32_t T, float* cs) = 0;
  // Rotates the heads of each of T tokens in place (row stride heads * head_dim).
  virtual void rope(float* x, int32_t T, int32_t heads, int32_t head_dim, int32_t style, const float* cs) = 0;
  // gate[t] = silu(gate[t]) * up[t].
  virtual void swiglu(float* gate, const float* up, int64_t T, int64_t n) = 0;
  // Writes each token's K and V rows (row stride ld) to its cache slot (KV-cache write).
  virtual void kv_write(const KvLayer& layer, const StepView& step, const float* k, const float* v, int64_t ld) = 0;
  // Causal grouped-query attention of every query token over its sequence in the paged cache, for
  // prefill chunks and decodes mixed in one step.
  virtual void attention(const KvLayer& layer, const StepView& step, int32_t heads, const float* q, float* out) = 0;

  // ---- optional on-device sampling ----------------------------------------------------
  // True when sample() runs on the device, so a step can return token ids instead of copying
  // rows x vocab logits to the host. The CPU returns false: the host samples from the logits.
  virtual bool samples_on_device() const { return false; }
  // ids[r] = a token sampled from logits row r (greedy when params.top_k == 1, else top-k).
  virtual int sample(const float* logits, int32_t rows, int32_t vocab, const SampleParams& params, int32_t* ids);
};

}  // namespace ember
