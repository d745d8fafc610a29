// Paged KV cache on a model's device: per layer a K and a V region of num_blocks blocks, each
// block laid out [kv_head][block_size][head_dim] so one head's keys of a block are contiguous.
//
//   KvCache* kv = KvCache::create(model->backend(), config, 1024, 16, EMBER_F16);
//   KvLayer l = kv->layer(3);          // device pointers handed to Backend::kv_write / attention
//
// Memory: layer-major, [layer][K|V][block] parts of part_bytes() each, in one device allocation.
// Blocks move between the device and the host only through read_block/write_block (snapshots).
#pragma once

#include <cstdint>
#include <memory>

#include "backend/backend.h"
#include "ember.h"
#include "ops/ops.h"

namespace ember {

class KvCache {
 public:
  // nullptr (with ember_last_error set) on bad arguments or out of memory.
  static KvCache* create(std::shared_ptr<Backend> backend, const ember_config& config, int32_t num_blocks,
                         int32_t block_size, int32_t dtype);
  ~KvCache();
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  // Bytes of one block of K (or V) in one layer.
  static int64_t part_bytes(const ember_config& config, int32_t block_size, int32_t dtype);
  static int64_t block_bytes(const ember_config& config, int32_t block_size, int32_t dtype);

  KvLayer layer(int32_t l) const;
  int copy_blocks(const int32_t* src, const int32_t* dst, int32_t n);
  int read_block(int32_t block, void* buf) const;
  int write_block(int32_t block, const void* buf);

  int32_t num_layers() const { return layers_; }
  int32_t kv_heads() const { return kv_heads_; }
  int32_t head_dim() const { return head_dim_; }
  int32_t num_blocks() const { return num_blocks_; }
  int32_t block_size() const { return block_size_; }
  const Backend& backend() const { return *backend_; }

 private:
  KvCache() = default;
  char* part(int32_t l, int32_t kv, int32_t block) const {
    return data_ + (((int64_t)l * 2 + kv) * num_blocks_ + block) * part_bytes_;
  }

  int32_t layers_ = 0, kv_heads_ = 0, head_dim_ = 0, num_blocks_ = 0, block_size_ = 0, dtype_ = 0;
  int64_t part_bytes_ = 0;
  std::shared_ptr<Backend> backend_;
  char* data_ = nullptr;
};

}  // namespace ember
