// A tiny random f32 Llama/Qwen2 model built through the C API, a double-precision reference
// forward of it (contiguous attention, no cache), and a driver that runs steps over a paged
// cache with its own block allocation.
//
//   TinyModel m(tiny_config(), 7);  ember_model* em = m.build(2, 64);
//   std::vector<double> ref = m.reference(tokens);   // [n][vocab]
//   StepDriver d(em, kv, 16, vocab, block_order(64, true, 1));  d.run({{&seq, tokens}});
#pragma once

#include <cstdint>
#include <vector>

#include "ember.h"
#include "random.h"

namespace ember_test {

ember_config tiny_config();

class TinyModel {
 public:
  TinyModel(const ember_config& cfg, uint64_t seed);
  // A finalized model over these weights (nullptr on failure); leaves out one tensor if asked.
  ember_model* build(int threads, int max_tokens, int skip_kind = -1, int skip_layer = -1) const;
  // The same with the layer matrices and the LM head converted to dtype (Q8_0, Q4_0, ...), kept
  // by this TinyModel for the model's life.
  ember_model* build_as(int32_t dtype, int threads, int max_tokens) const;
  // Sets these weights on a fresh model and finalizes it (nullptr, the model freed, on failure).
  ember_model* fill(ember_model* fresh, int skip_kind = -1, int skip_layer = -1, int32_t dtype = EMBER_F32) const;
  // Logits of every position of one sequence, in double precision.
  std::vector<double> reference(const std::vector<int32_t>& tokens) const;
  const ember_config& config() const { return cfg_; }

 private:
  struct Layer {
    std::vector<float> attn_norm, wq, wk, wv, wo, bq, bk, bv, ffn_norm, gate, up, down;
  };
  ember_config cfg_;
  std::vector<float> embed_, final_norm_, lm_head_;
  std::vector<Layer> layers_;
  mutable std::vector<std::vector<uint8_t>> converted_;  // build_as's matrices
};

// One sequence's state in a StepDriver: its blocks and how many tokens are cached.
struct Sequence {
  std::vector<int32_t> blocks;
  int cached = 0;
};

struct Chunk {
  Sequence* seq;
  std::vector<int32_t> tokens;
};

class StepDriver {
 public:
  // free_blocks: the order in which blocks are handed to sequences.
  StepDriver(ember_model* model, ember_kv* kv, int block_size, int vocab, std::vector<int32_t> free_blocks);
  // Runs one step over the chunks; returns logits of every token [T][vocab] (empty on failure).
  std::vector<float> run(const std::vector<Chunk>& chunks);

 private:
  ember_model* model_;
  ember_kv* kv_;
  int block_size_;
  int vocab_;
  std::vector<int32_t> free_;
  size_t next_free_ = 0;
};

// Blocks 0..n-1 in order, or shuffled (scattered block tables).
std::vector<int32_t> block_order(int n, bool shuffled, uint64_t seed);

}  // namespace ember_test
