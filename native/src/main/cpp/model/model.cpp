// Model construction: config checks, tensor registration and shape validation, scratch sizing.
#include "model/model.h"

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "api/error.h"
#include "ops/ops.h"

namespace ember {

namespace {

const char* kind_name(int32_t kind) {
  static const char* names[] = {"embed", "final_norm", "lm_head", "attn_norm", "wq", "wk", "wv", "wo",
                                "bq",    "bk",         "bv",      "ffn_norm",  "gate", "up", "down"};
  return kind >= 0 && kind <= EMBER_W_DOWN ? names[kind] : "unknown";
}

bool is_vector(int32_t kind) {
  return kind == EMBER_W_FINAL_NORM || kind == EMBER_W_ATTN_NORM || kind == EMBER_W_FFN_NORM ||
         kind == EMBER_W_BQ || kind == EMBER_W_BK || kind == EMBER_W_BV;
}

bool is_layerless(int32_t kind) { return kind <= EMBER_W_LM_HEAD; }

}  // namespace

// 0 when the config and sizes describe a model the forward can run.
static int check_config(const ember_config& c, int32_t threads, int32_t max_batch_tokens) {
  if (c.hidden_size <= 0 || c.num_layers <= 0 || c.num_heads <= 0 || c.num_kv_heads <= 0 || c.head_dim <= 0 ||
      c.intermediate_size <= 0 || c.vocab_size <= 0) {
    return fail(-1, "config sizes must be positive (hidden %d, layers %d, heads %d, kv_heads %d, head_dim %d, "
                "intermediate %d, vocab %d)",
                c.hidden_size, c.num_layers, c.num_heads, c.num_kv_heads, c.head_dim, c.intermediate_size, c.vocab_size);
  }
  if (c.num_heads % c.num_kv_heads != 0) {
    return fail(-1, "num_heads %d is not a multiple of num_kv_heads %d", c.num_heads, c.num_kv_heads);
  }
  if (c.head_dim % 2 != 0) {
    return fail(-1, "head_dim %d must be even for RoPE", c.head_dim);
  }
  if (c.rope_style != EMBER_ROPE_NEOX && c.rope_style != EMBER_ROPE_INTERLEAVED) {
    return fail(-1, "unknown rope_style %d", c.rope_style);
  }
  if (c.rope_scaling != EMBER_ROPE_SCALING_NONE && c.rope_scaling != EMBER_ROPE_SCALING_LLAMA3) {
    return fail(-1, "unknown rope_scaling %d", c.rope_scaling);
  }
  if (c.rope_scaling == EMBER_ROPE_SCALING_LLAMA3 &&
      (c.rope_factor <= 0 || c.rope_high_freq_factor <= c.rope_low_freq_factor || c.rope_original_max_position <= 0)) {
    return fail(-1, "llama3 rope scaling needs factor > 0, high_freq_factor > low_freq_factor and "
                "original_max_position > 0");
  }
  if (threads <= 0 || max_batch_tokens <= 0) {
    return fail(-1, "threads (%d) and max_batch_tokens (%d) must be positive", threads, max_batch_tokens);
  }
  return 0;
}

Model* Model::create(const ember_config& c, const char* device, int32_t threads, int32_t max_batch_tokens) {
  if (check_config(c, threads, max_batch_tokens) != 0) return nullptr;
  std::shared_ptr<Backend> backend = Backend::create(device, threads);
  if (backend == nullptr) return nullptr;
  return new Model(c, std::move(backend), max_batch_tokens);
}

Model* Model::create_on(const ember_config& c, std::shared_ptr<Backend> backend, int32_t max_batch_tokens) {
  if (backend == nullptr) {
    fail(-1, "Model::create_on: backend is null");
    return nullptr;
  }
  if (check_config(c, 1, max_batch_tokens) != 0) return nullptr;
  return new Model(c, std::move(backend), max_batch_tokens);
}

Model::Model(const ember_config& c, std::shared_ptr<Backend> backend, int32_t max_batch_tokens)
    : config_(c), max_tokens_(max_batch_tokens), backend_(std::move(backend)), layers_(c.num_layers) {}

Model::~Model() {
  stop_packing_.store(true);
  if (packer_.joinable()) packer_.join();
  for (const auto& [slot, packed] : packed_) backend_->free_weight(packed);  // packed but never adopted
  for (const Tensor& t : uploaded_) backend_->free_weight(t);
  for (void* p : owned_) backend_->free(p);
}

void* Model::own(int64_t bytes) {
  owned_.reserve(owned_.size() + 1);  // may throw before the allocation, never after it
  void* p = backend_->alloc(bytes);
  if (p != nullptr) {
    owned_.push_back(p);
    owned_bytes_ += bytes;
  }
  return p;
}

Tensor* Model::slot(int32_t kind, int32_t layer) {
  switch (kind) {
    case EMBER_W_EMBED: return &embed_;
    case EMBER_W_FINAL_NORM: return &final_norm_;
    case EMBER_W_LM_HEAD: return &lm_head_;
    default: break;
  }
  if (layer < 0 || layer >= config_.num_layers) return nullptr;
  LayerWeights& L = layers_[layer];
  switch (kind) {
    case EMBER_W_ATTN_NORM: return &L.attn_norm;
    case EMBER_W_WQ: return &L.wq;
    case EMBER_W_WK: return &L.wk;
    case EMBER_W_WV: return &L.wv;
    case EMBER_W_WO: return &L.wo;
    case EMBER_W_BQ: return &L.bq;
    case EMBER_W_BK: return &L.bk;
    case EMBER_W_BV: return &L.bv;
    case EMBER_W_FFN_NORM: return &L.ffn_norm;
    case EMBER_W_GATE: return &L.gate;
    case EMBER_W_UP: return &L.up;
    case EMBER_W_DOWN: return &L.down;
    default: return nullptr;
  }
}

int Model::set_tensor(int32_t kind, int32_t layer, const void* data, int32_t dtype, int64_t rows, int64_t cols) {
  if (ready_) return fail(-1, "set_tensor %s after finalize", kind_name(kind));
  if (kind < 0 || kind > EMBER_W_DOWN) return fail(-1, "unknown tensor kind %d", kind);
  Tensor* t = slot(kind, layer);
  if (t == nullptr) return fail(-1, "%s: layer %d outside 0..%d", kind_name(kind), layer, config_.num_layers - 1);
  if (data == nullptr) return fail(-1, "%s of layer %d: data is null", kind_name(kind), layer);
  if (rows <= 0 || cols <= 0) return fail(-1, "%s of layer %d: shape %lld x %lld", kind_name(kind), layer,
                                          (long long)rows, (long long)cols);
  if (ember_dtype_bytes(dtype, 32) < 0) return fail(-1, "%s of layer %d: unknown dtype %d", kind_name(kind), layer, dtype);
  if (is_vector(kind)) {
    if (rows != 1) return fail(-1, "%s of layer %d: 1-D tensor passed with %lld rows, want 1", kind_name(kind), layer,
                               (long long)rows);
    if (dtype != EMBER_F32 && dtype != EMBER_F16 && dtype != EMBER_BF16)
      return fail(-1, "%s of layer %d: 1-D tensors must be f32, f16 or bf16, got dtype %d", kind_name(kind), layer, dtype);
    std::vector<float> host(cols);
    for (int64_t i = 0; i < cols; i++) {
      if (dtype == EMBER_F32) host[i] = ((const float*)data)[i];
      else if (dtype == EMBER_F16) host[i] = f16_to_f32(((const uint16_t*)data)[i]);
      else host[i] = bf16_to_f32(((const uint16_t*)data)[i]);
    }
    float* copy = (float*)own(cols * 4);
    if (copy == nullptr) return -1;
    backend_->copy_to_device(copy, host.data(), cols * 4);
    *t = Tensor{copy, EMBER_F32, 1, cols};
    return 0;
  }
  if ((dtype == EMBER_Q8_0 || dtype == EMBER_Q4_0) && cols % 32 != 0)
    return fail(-1, "%s of layer %d: quantized matrix needs cols %% 32 == 0, has %lld cols", kind_name(kind), layer,
                (long long)cols);
  Tensor device;
  // The embedding's rows are looked up (and, tied, multiplied as the LM head): it is never packed.
  const WeightUse use = kind == EMBER_W_EMBED ? WeightUse::Rows : WeightUse::Matmul;
  int rc = backend_->upload_weight(Tensor{data, dtype, rows, cols}, use, &device);
  if (rc != 0) return rc;
  uploaded_.push_back(device);
  *t = device;
  return 0;
}

// 0 when tensor (kind, layer) is present with the given shape.
int Model::check(int32_t kind, int32_t layer, int64_t rows, int64_t cols) {
  const Tensor* t = slot(kind, layer);
  const char* where = is_layerless(kind) ? "" : " of layer ";
  char num[16] = "";
  if (!is_layerless(kind)) snprintf(num, sizeof num, "%d", layer);
  if (t->data == nullptr) return fail(-2, "missing tensor %s%s%s", kind_name(kind), where, num);
  if (t->rows != rows || t->cols != cols)
    return fail(-3, "tensor %s%s%s has shape [%lld][%lld], want [%lld][%lld]", kind_name(kind), where, num,
                (long long)t->rows, (long long)t->cols, (long long)rows, (long long)cols);
  return 0;
}

int Model::finalize() {
  if (ready_) return 0;
  const ember_config& c = config_;
  const int64_t H = c.hidden_size, QD = (int64_t)c.num_heads * c.head_dim, KD = (int64_t)c.num_kv_heads * c.head_dim;
  const int64_t I = c.intermediate_size, V = c.vocab_size;
  int rc;
  if ((rc = check(EMBER_W_EMBED, -1, V, H)) != 0) return rc;
  if ((rc = check(EMBER_W_FINAL_NORM, -1, 1, H)) != 0) return rc;
  if (c.tie_word_embeddings) {
    lm_head_ = embed_;
  } else if ((rc = check(EMBER_W_LM_HEAD, -1, V, H)) != 0) {
    return rc;
  }
  for (int32_t l = 0; l < c.num_layers; l++) {
    const LayerWeights& L = layers_[l];
    if ((rc = check(EMBER_W_ATTN_NORM, l, 1, H)) != 0 || (rc = check(EMBER_W_WQ, l, QD, H)) != 0 ||
        (rc = check(EMBER_W_WK, l, KD, H)) != 0 || (rc = check(EMBER_W_WV, l, KD, H)) != 0 ||
        (rc = check(EMBER_W_WO, l, H, QD)) != 0 || (rc = check(EMBER_W_FFN_NORM, l, 1, H)) != 0 ||
        (rc = check(EMBER_W_GATE, l, I, H)) != 0 || (rc = check(EMBER_W_UP, l, I, H)) != 0 ||
        (rc = check(EMBER_W_DOWN, l, H, I)) != 0)
      return rc;
    if (c.attention_bias) {
      if ((rc = check(EMBER_W_BQ, l, 1, QD)) != 0 || (rc = check(EMBER_W_BK, l, 1, KD)) != 0 ||
          (rc = check(EMBER_W_BV, l, 1, KD)) != 0)
        return rc;
    } else if (L.bq.data || L.bk.data || L.bv.data) {
      return fail(-3, "layer %d has q/k/v biases but config.attention_bias is 0", l);
    }
  }

  // Activations and op workspaces, sized once for max_tokens_ rows.
  const int64_t T = max_tokens_;
  Backend& b = *backend_;
  if ((rc = b.reserve_matmul(lm_head_, T)) != 0) return rc;
  for (const LayerWeights& L : layers_) {
    for (const Tensor* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.gate, &L.up, &L.down})
      if ((rc = b.reserve_matmul(*w, T)) != 0) return rc;
  }
  if ((rc = b.reserve_attention(c.head_dim, max_tokens_)) != 0) return rc;
  x_ = (float*)own(T * H * 4);
  h_ = (float*)own(T * H * 4);
  q_ = (float*)own(T * QD * 4);
  k_ = (float*)own(T * KD * 4);
  v_ = (float*)own(T * KD * 4);
  attn_ = (float*)own(T * QD * 4);
  gate_ = (float*)own(T * I * 4);
  up_ = (float*)own(T * I * 4);
  rope_ = (float*)own(T * c.head_dim * 4);
  inv_freq_ = (float*)own(c.head_dim / 2 * 4);
  if (!x_ || !h_ || !q_ || !k_ || !v_ || !attn_ || !gate_ || !up_ || !rope_ || !inv_freq_) return -1;
  RopeConfig rc_;
  rc_.head_dim = c.head_dim;
  rc_.style = c.rope_style;
  rc_.theta = c.rope_theta;
  rc_.scaling = c.rope_scaling;
  rc_.factor = c.rope_factor;
  rc_.low_freq_factor = c.rope_low_freq_factor;
  rc_.high_freq_factor = c.rope_high_freq_factor;
  rc_.original_max_position = c.rope_original_max_position;
  std::vector<float> inv_freq(c.head_dim / 2);
  rope_inv_freq(rc_, inv_freq.data());
  b.copy_to_device(inv_freq_, inv_freq.data(), inv_freq.size() * 4);
  ready_ = true;
  start_packing();
  return 0;
}

void Model::start_packing() {
  std::vector<Tensor*> slots;
  for (LayerWeights& L : layers_) {
    for (Tensor* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.gate, &L.up, &L.down}) slots.push_back(w);
  }
  if (!config_.tie_word_embeddings) slots.push_back(&lm_head_);  // tied, it is the embedding
  std::vector<std::pair<Tensor*, Tensor>> todo;
  for (Tensor* w : slots) todo.push_back({w, *w});
  packed_.reserve(todo.size());  // the packer's push_back never allocates,
  uploaded_.reserve(uploaded_.size() + todo.size());  // nor does adopt_packed's, on the forward's thread
  packed_done_.store(false);
  packer_ = std::thread([this, todo] {
#if defined(__linux__)
    // Below the ops' threads: packing yields the cores to the forwards it races.
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
#endif
    for (const auto& [slot, in_place] : todo) {
      if (stop_packing_.load(std::memory_order_relaxed)) break;
      Tensor packed;
      // A matrix that cannot be packed (no panel layout, no memory for it) stays in place.
      int rc = -1;
      try {
        rc = backend_->pack_weight(in_place, &packed);
      } catch (...) {
      }
      if (rc == 0) packed_.push_back({slot, packed});
    }
    packed_done_.store(true, std::memory_order_release);
  });
}

void Model::adopt_packed() {
  packer_.join();
  for (const auto& [slot, packed] : packed_) {
    *slot = packed;
    uploaded_.push_back(packed);
    adopted_++;
  }
  packed_.clear();
}

void Model::wait_packed() const {
  while (!packed_done_.load(std::memory_order_acquire)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace ember
