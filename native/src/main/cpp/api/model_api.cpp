// Model, KV cache and forward side of the C API: argument checks and handle casts only.
#include <new>

#include "api/error.h"
#include "ember.h"
#include "kv/kv_cache.h"
#include "model/model.h"

using ember::fail;
using ember::guard_status;
using ember::guard_value;
using ember::KvCache;
using ember::Model;

static Model* model_of(ember_model* m) { return reinterpret_cast<Model*>(m); }
static const Model* model_of(const ember_model* m) { return reinterpret_cast<const Model*>(m); }
static KvCache* kv_of(ember_kv* kv) { return reinterpret_cast<KvCache*>(kv); }
static const KvCache* kv_of(const ember_kv* kv) { return reinterpret_cast<const KvCache*>(kv); }

extern "C" ember_model* ember_model_new(const ember_config* config, const char* device, int32_t threads,
                                        int32_t max_batch_tokens) {
  if (config == nullptr) {
    fail(-1, "ember_model_new: config is null");
    return nullptr;
  }
  return guard_value("ember_model_new", (ember_model*)nullptr, [&] {
    return reinterpret_cast<ember_model*>(Model::create(*config, device, threads, max_batch_tokens));
  });
}

extern "C" const char* ember_model_device(const ember_model* model) {
  return model == nullptr ? "" : model_of(model)->backend()->name();
}

extern "C" int ember_model_set_tensor(ember_model* model, int32_t kind, int32_t layer, const void* data, int32_t dtype,
                                      int64_t rows, int64_t cols) {
  if (model == nullptr) return fail(-1, "ember_model_set_tensor: model is null");
  return guard_status("ember_model_set_tensor",
                      [&] { return model_of(model)->set_tensor(kind, layer, data, dtype, rows, cols); });
}

extern "C" int ember_model_finalize(ember_model* model) {
  if (model == nullptr) return fail(-1, "ember_model_finalize: model is null");
  return guard_status("ember_model_finalize", [&] { return model_of(model)->finalize(); });
}

extern "C" void ember_model_free(ember_model* model) {
  guard_value("ember_model_free", 0, [&] {
    delete model_of(model);
    return 0;
  });
}

extern "C" int64_t ember_model_scratch_bytes(const ember_model* model) {
  return model == nullptr ? 0 : model_of(model)->scratch_bytes();
}

extern "C" int ember_model_wait_packed(ember_model* model) {
  if (model == nullptr) return fail(-1, "ember_model_wait_packed: model is null");
  model_of(model)->wait_packed();
  return 0;
}

extern "C" ember_kv* ember_kv_new(const ember_model* model, int32_t num_blocks, int32_t block_size, int32_t kv_dtype) {
  if (model == nullptr) {
    fail(-1, "ember_kv_new: model is null");
    return nullptr;
  }
  return guard_value("ember_kv_new", (ember_kv*)nullptr, [&] {
    const Model* m = model_of(model);
    return reinterpret_cast<ember_kv*>(KvCache::create(m->backend(), m->config(), num_blocks, block_size, kv_dtype));
  });
}

extern "C" void ember_kv_free(ember_kv* kv) { delete kv_of(kv); }

extern "C" int64_t ember_kv_block_bytes(const ember_config* config, int32_t block_size, int32_t kv_dtype) {
  if (config == nullptr) return fail(-1, "ember_kv_block_bytes: config is null");
  if (kv_dtype != EMBER_F16 && kv_dtype != EMBER_F32) return fail(-1, "kv cache dtype %d unsupported", kv_dtype);
  return KvCache::block_bytes(*config, block_size, kv_dtype);
}

extern "C" int ember_kv_copy_blocks(ember_kv* kv, const int32_t* src, const int32_t* dst, int32_t n) {
  if (kv == nullptr) return fail(-1, "ember_kv_copy_blocks: kv is null");
  return guard_status("ember_kv_copy_blocks", [&] { return kv_of(kv)->copy_blocks(src, dst, n); });
}

extern "C" int ember_kv_read_block(const ember_kv* kv, int32_t block, void* buf) {
  if (kv == nullptr || buf == nullptr) return fail(-1, "ember_kv_read_block: kv or buf is null");
  return kv_of(kv)->read_block(block, buf);
}

extern "C" int ember_kv_write_block(ember_kv* kv, int32_t block, const void* buf) {
  if (kv == nullptr || buf == nullptr) return fail(-1, "ember_kv_write_block: kv or buf is null");
  return kv_of(kv)->write_block(block, buf);
}

extern "C" int ember_forward(ember_model* model, ember_kv* kv, const ember_step* step) {
  if (model == nullptr || kv == nullptr || step == nullptr) return fail(-1, "ember_forward: null argument");
  return guard_status("ember_forward", [&] { return model_of(model)->forward(*kv_of(kv), *step); });
}
