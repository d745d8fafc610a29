// A Llama/Qwen2 decoder on one Backend: its weights (matrices uploaded to the device, which for
// the CPU means referenced in place, then packed in the background where the backend packs them;
// 1-D tensors copied to f32), its activation memory on the device, and the forward over a paged KV
// cache, written once over the Backend's ops.
//
//   Model* m = Model::create(cfg, "cpu", threads, max_batch_tokens);
//   m->set_tensor(EMBER_W_WQ, 0, ptr, EMBER_Q8_0, rows, cols); ...; m->finalize();
//   m->forward(*kv, step);
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "backend/backend.h"
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
  static Model* create(const ember_config& config, const char* device, int32_t threads, int32_t max_batch_tokens);
  // The same on a given backend (tests wrap a backend to watch the forward's ops).
  static Model* create_on(const ember_config& config, std::shared_ptr<Backend> backend, int32_t max_batch_tokens);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  int set_tensor(int32_t kind, int32_t layer, const void* data, int32_t dtype, int64_t rows, int64_t cols);
  int finalize();
  int forward(KvCache& kv, const ember_step& step);

  const ember_config& config() const { return config_; }
  // The device this model runs on; KV caches for it are made on the same backend.
  const std::shared_ptr<Backend>& backend() const { return backend_; }
  int64_t scratch_bytes() const { return owned_bytes_ + backend_->workspace_bytes(); }
  // Waits until the background packing finalize started (if any) is done; the next forward then
  // multiplies the packed weights.
  void wait_packed() const;
  // Matrices the forward multiplies in a packed layout (adopted from the background packing).
  int packed_matrices() const { return adopted_; }
  // Per op class timing of forward calls (off by default; benchmarks turn it on).
  Profile& profile() { return profile_; }

 private:
  Model(const ember_config& config, std::shared_ptr<Backend> backend, int32_t max_batch_tokens);
  Tensor* slot(int32_t kind, int32_t layer);
  int check(int32_t kind, int32_t layer, int64_t rows, int64_t cols);
  int validate(const KvCache& kv, const ember_step& step) const;
  void* own(int64_t bytes);
  // The f32 values of a copied 1-D tensor (norm weights, biases); null when the tensor is absent.
  static const float* vector_of(const Tensor& t) { return (const float*)t.data; }
  // Starts packer_ over the matrices only products read (Backend::pack_weight).
  void start_packing();
  // On the forward's thread, once packer_ is done: the packed matrices replace the in-place ones.
  void adopt_packed();

  ember_config config_;
  int32_t max_tokens_;
  std::shared_ptr<Backend> backend_;
  Tensor embed_, lm_head_, final_norm_;
  std::vector<LayerWeights> layers_;
  std::vector<void*> owned_;     // device memory from backend_->alloc
  std::vector<Tensor> uploaded_;  // weights from backend_->upload_weight
  int64_t owned_bytes_ = 0;
  bool ready_ = false;
  Profile profile_;

  // Packing in the background, so that a model serves from the moment finalize returns (packing a
  // 1.5b q8_0 model's 1.6 GB held its cold start 1.7-2.3 s on a 2-core VM): packer_ fills packed_
  // (slot, packed matrix) and then sets packed_done_; forward swaps them in at its next start.
  std::thread packer_;
  std::vector<std::pair<Tensor*, Tensor>> packed_;
  std::atomic<bool> packed_done_{true};  // false from start_packing until packer_ is done
  std::atomic<bool> stop_packing_{false};
  int adopted_ = 0;

  // Activations on the device (allocated by finalize, sized for max_tokens_ rows).
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
};

}  // namespace ember
