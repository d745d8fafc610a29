#include "kv/kv_cache.h"

#include <cstring>

#include "api/error.h"

namespace ember {

int64_t KvCache::part_bytes(const ember_config& c, int32_t block_size, int32_t dtype) {
  int64_t elem = dtype == EMBER_F16 ? 2 : 4;
  return (int64_t)c.num_kv_heads * block_size * c.head_dim * elem;
}

int64_t KvCache::block_bytes(const ember_config& c, int32_t block_size, int32_t dtype) {
  return part_bytes(c, block_size, dtype) * 2 * c.num_layers;
}

KvCache* KvCache::create(std::shared_ptr<Backend> backend, const ember_config& c, int32_t num_blocks,
                         int32_t block_size, int32_t dtype) {
  if (dtype != EMBER_F16 && dtype != EMBER_F32) {
    fail(-1, "kv cache dtype %d unsupported: use EMBER_F16 or EMBER_F32", dtype);
    return nullptr;
  }
  if (num_blocks <= 0 || block_size <= 0) {
    fail(-1, "kv cache needs num_blocks > 0 and block_size > 0, got %d and %d", num_blocks, block_size);
    return nullptr;
  }
  KvCache* kv = new KvCache();
  kv->backend_ = std::move(backend);
  kv->layers_ = c.num_layers;
  kv->kv_heads_ = c.num_kv_heads;
  kv->head_dim_ = c.head_dim;
  kv->num_blocks_ = num_blocks;
  kv->block_size_ = block_size;
  kv->dtype_ = dtype;
  kv->part_bytes_ = part_bytes(c, block_size, dtype);
  kv->data_ = (char*)kv->backend_->alloc(kv->part_bytes_ * 2 * c.num_layers * num_blocks);
  if (kv->data_ == nullptr) {
    delete kv;
    return nullptr;
  }
  return kv;
}

KvCache::~KvCache() {
  if (data_ != nullptr) backend_->free(data_);
}

KvLayer KvCache::layer(int32_t l) const {
  KvLayer out;
  out.k = part(l, 0, 0);
  out.v = part(l, 1, 0);
  out.dtype = dtype_;
  out.block_size = block_size_;
  out.kv_heads = kv_heads_;
  out.head_dim = head_dim_;
  return out;
}

int KvCache::copy_blocks(const int32_t* src, const int32_t* dst, int32_t n) {
  for (int32_t i = 0; i < n; i++) {
    if (src[i] < 0 || src[i] >= num_blocks_ || dst[i] < 0 || dst[i] >= num_blocks_)
      return fail(-1, "copy_blocks pair %d (%d -> %d) outside the cache's %d blocks", i, src[i], dst[i],
                  num_blocks_);
  }
  for (int32_t i = 0; i < n; i++) {
    if (src[i] == dst[i]) continue;
    for (int32_t l = 0; l < layers_; l++)
      for (int32_t kv = 0; kv < 2; kv++) backend_->copy_on_device(part(l, kv, dst[i]), part(l, kv, src[i]), part_bytes_);
  }
  return 0;
}

int KvCache::read_block(int32_t block, void* buf) const {
  if (block < 0 || block >= num_blocks_) return fail(-1, "block %d outside the cache's %d blocks", block, num_blocks_);
  char* out = (char*)buf;
  for (int32_t l = 0; l < layers_; l++)
    for (int32_t kv = 0; kv < 2; kv++, out += part_bytes_) backend_->copy_to_host(out, part(l, kv, block), part_bytes_);
  return 0;
}

int KvCache::write_block(int32_t block, const void* buf) {
  if (block < 0 || block >= num_blocks_) return fail(-1, "block %d outside the cache's %d blocks", block, num_blocks_);
  const char* in = (const char*)buf;
  for (int32_t l = 0; l < layers_; l++)
    for (int32_t kv = 0; kv < 2; kv++, in += part_bytes_) backend_->copy_to_device(part(l, kv, block), in, part_bytes_);
  return 0;
}

}  // namespace ember
