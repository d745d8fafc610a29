// The forward of one engine step, written once over the Backend's ops: embeddings, decoder
// layers over the paged KV cache, final norm and LM head for the requested rows only.
// Allocates nothing.
#include <cstring>

#include "api/error.h"
#include "model/model.h"

namespace ember {

int Model::validate(const KvCache& kv, const ember_step& s) const {
  const ember_config& c = config_;
  if (!ready_) return fail(-1, "forward before ember_model_finalize");
  if (kv.num_layers() != c.num_layers || kv.kv_heads() != c.num_kv_heads || kv.head_dim() != c.head_dim)
    return fail(-1, "kv cache was made for another model geometry");
  if (&kv.backend() != backend_.get() && std::strcmp(kv.backend().name(), backend_->name()) != 0)
    return fail(-1, "kv cache lives on device %s, the model on %s", kv.backend().name(), backend_->name());
  if (s.num_tokens < 0 || s.num_tokens > max_tokens_)
    return fail(-1, "num_tokens %d outside 0..max_batch_tokens %d", s.num_tokens, max_tokens_);
  if (s.num_logits < 0 || s.num_logits > max_tokens_)
    return fail(-1, "num_logits %d outside 0..max_batch_tokens %d", s.num_logits, max_tokens_);
  if (s.num_seqs < 0 || s.max_blocks < 0) return fail(-1, "negative num_seqs or max_blocks");
  if (s.num_tokens == 0) return s.num_logits == 0 ? 0 : fail(-1, "logits requested from an empty step");
  if (s.num_seqs == 0 || s.query_start[0] != 0 || s.query_start[s.num_seqs] != s.num_tokens)
    return fail(-1, "query_start must run from 0 to num_tokens %d", s.num_tokens);
  const int64_t slots = (int64_t)kv.num_blocks() * kv.block_size();
  const int32_t bs = kv.block_size();
  for (int32_t q = 0; q < s.num_seqs; q++) {
    int32_t t0 = s.query_start[q], t1 = s.query_start[q + 1];
    int32_t ctx = s.context_lens[q];
    if (t1 < t0) return fail(-1, "query_start decreases at sequence %d", q);
    if (ctx < 0 || (int64_t)ctx > (int64_t)s.max_blocks * bs)
      return fail(-1, "context_lens[%d] = %d exceeds max_blocks %d x block_size %d", q, ctx, s.max_blocks, bs);
    for (int32_t b = 0; b < (ctx + bs - 1) / bs; b++) {
      int32_t block = s.block_tables[(int64_t)q * s.max_blocks + b];
      if (block < 0 || block >= kv.num_blocks())
        return fail(-1, "block_tables[%d][%d] = %d outside the cache's %d blocks", q, b, block, kv.num_blocks());
    }
    for (int32_t t = t0; t < t1; t++) {
      if (s.token_ids[t] < 0 || s.token_ids[t] >= c.vocab_size)
        return fail(-1, "token_ids[%d] = %d outside the vocabulary of %d", t, s.token_ids[t], c.vocab_size);
      if (s.positions[t] < 0 || s.positions[t] >= ctx)
        return fail(-1, "positions[%d] = %d outside sequence %d's context of %d", t, s.positions[t], q, ctx);
      if (s.slot_mapping[t] >= slots) return fail(-1, "slot_mapping[%d] = %d outside the cache", t, s.slot_mapping[t]);
    }
  }
  for (int32_t i = 0; i < s.num_logits; i++)
    if (s.logits_indices[i] < 0 || s.logits_indices[i] >= s.num_tokens)
      return fail(-1, "logits_indices[%d] = %d outside the step's %d tokens", i, s.logits_indices[i], s.num_tokens);
  return 0;
}

int Model::forward(KvCache& kv, const ember_step& s) {
  int rc = validate(kv, s);
  if (rc != 0 || s.num_tokens == 0) return rc;
  if (packer_.joinable() && packed_done_.load(std::memory_order_acquire)) adopt_packed();
  const ember_config& c = config_;
  const int32_t T = s.num_tokens, half = c.head_dim / 2;
  const int64_t H = c.hidden_size, QD = (int64_t)c.num_heads * c.head_dim, KD = (int64_t)c.num_kv_heads * c.head_dim;
  const int64_t I = c.intermediate_size;
  const float eps = c.rms_norm_eps;
  Backend& b = *backend_;
  const StepInputs in = b.stage_step(s);
  const StepView& view = in.view;
  profile_.start();

  b.embed(embed_, in.token_ids, T, x_);
  b.rope_angles(inv_freq_, half, view.positions, T, rope_);
  profile_.mark(Profile::Embed);
  b.rms_norm(x_, vector_of(layers_[0].attn_norm), T, H, eps, h_);
  profile_.mark(Profile::Norm);

  for (int32_t l = 0; l < c.num_layers; l++) {
    const LayerWeights& L = layers_[l];
    const LinearOut qkv[3] = {{&L.wq, q_, QD, vector_of(L.bq)}, {&L.wk, k_, KD, vector_of(L.bk)},
                              {&L.wv, v_, KD, vector_of(L.bv)}};
    b.matmul_group(qkv, 3, h_, T);
    profile_.mark(Profile::Linear);
    b.rope(q_, T, c.num_heads, c.head_dim, c.rope_style, rope_);
    b.rope(k_, T, c.num_kv_heads, c.head_dim, c.rope_style, rope_);
    profile_.mark(Profile::Rope);
    const KvLayer cache = kv.layer(l);
    b.kv_write(cache, view, k_, v_, KD);
    profile_.mark(Profile::KvWrite);
    b.attention(cache, view, c.num_heads, q_, attn_);
    profile_.mark(Profile::Attention);
    b.matmul(L.wo, attn_, T, h_, H, nullptr);
    profile_.mark(Profile::Linear);
    b.add_rms_norm(x_, h_, vector_of(L.ffn_norm), T, H, eps, h_);
    profile_.mark(Profile::Norm);
    const LinearOut gate_up[2] = {{&L.gate, gate_, I, nullptr}, {&L.up, up_, I, nullptr}};
    b.matmul_group(gate_up, 2, h_, T);
    profile_.mark(Profile::Linear);
    b.swiglu(gate_, up_, T, I);
    profile_.mark(Profile::Swiglu);
    b.matmul(L.down, gate_, T, h_, H, nullptr);
    profile_.mark(Profile::Linear);
    // The residual add of this layer is fused with the next layer's input norm (the last layer only adds).
    const bool last = l + 1 == c.num_layers;
    b.add_rms_norm(x_, h_, last ? nullptr : vector_of(layers_[l + 1].attn_norm), T, H, eps, h_);
    profile_.mark(Profile::Norm);
  }

  // Final norm and LM head over the requested rows only (gathered into h_).
  const int32_t N = s.num_logits;
  if (N > 0) {
    b.gather_rows(x_, in.logits_indices, N, H, h_);
    b.rms_norm(h_, vector_of(final_norm_), N, H, eps, h_);
  }
  profile_.mark(Profile::Norm);
  if (N > 0) b.matmul(lm_head_, h_, N, in.logits, c.vocab_size, nullptr);
  b.finish_step(s, in);
  profile_.mark(Profile::LmHead);
  return 0;
}

}  // namespace ember
