// A Llama/Qwen2 decoder: its weights (matrices referenced in place, 1-D tensors copied to
// f32), its thread pool and its scratch memory, and the forward over a paged KV cache.
//
//   Model* m = Model::create(cfg, threads, max_batch_tokens);
//   m->set_tensor(EMBER_W_WQ, 0, ptr, EMBER_Q8_0, rows, cols); ...; m->finalize();
//   m->forward(*kv, step);
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/thread_pool.h"
#include "ember.h"
#include "kv/kv_cache.h"
#include "linear/linear.h"
#include "model/profile.h"

namespace ember {

struct LayerWeights {
  Tensor attn_norm, wq, wk, wv, wo, bq, bk, bv, ffn_norm, gate, up, down;
};

class Model {
 public:
  // nullptr (with ember_last_error set) when the config is invalid.
  static Model* create(const ember_config& config, int32_t threads, int32_t max_batch_tokens);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  int set_tensor(int32_t kind, int32_t layer, const void* data, int32_t dtype, int64_t rows, int64_t cols);
  int finalize();
  int forward(KvCache& kv, const ember_step& step);

  const ember_config& config() const { return config_; }
  int64_t scratch_bytes() const { return owned_bytes_; }
  // Per op class timing of forward calls (off by default; benchmarks turn it on).
  Profile& profile() { return profile_; }

 private:
  Model(const ember_config& config, int32_t threads, int32_t max_batch_tokens);
  Tensor* slot(int32_t kind, int32_t layer);
  int check(int32_t kind, int32_t layer, int64_t rows, int64_t cols);
  int validate(const KvCache& kv, const ember_step& step) const;
  void* own(int64_t bytes);
  void linear_(const Tensor& w, const float* x, int64_t T, float* y, int64_t ldy, const Tensor* bias);
  void rope_rows(float* x, int32_t heads, int32_t T);

  ember_config config_;
  int32_t max_tokens_;
  std::unique_ptr<ThreadPool> pool_;
  Tensor embed_, lm_head_, final_norm_;
  std::vector<LayerWeights> layers_;
  std::vector<void*> owned_;
  int64_t owned_bytes_ = 0;
  bool ready_ = false;
  Profile profile_;

  // Scratch (allocated by finalize, sized for max_tokens_ rows).
  float* x_ = nullptr;     // residual stream [T][hidden]
  float* h_ = nullptr;     // normed input / projection output [T][hidden]
  float* q_ = nullptr;     // [T][heads*head_dim]
  float* k_ = nullptr;     // [T][kv_heads*head_dim]
  float* v_ = nullptr;     // [T][kv_heads*head_dim]
  float* attn_ = nullptr;  // [T][heads*head_dim]
  float* gate_ = nullptr;  // [T][intermediate]
  float* up_ = nullptr;    // [T][intermediate]
  float* rope_ = nullptr;  // cos/sin per token [T][head_dim]
  float* inv_freq_ = nullptr;
  float* attn_scratch_ = nullptr;
  void* linear_scratch_ = nullptr;
};

}  // namespace ember
