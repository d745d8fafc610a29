// The forward of one engine step: embeddings, decoder layers over the paged KV cache,
// final norm and LM head for the requested rows only. Allocates nothing.
#include "api/error.h"
#include "core/isa.h"
#include "model/model.h"
#include "ops/ops.h"
#include "ops/parallel.h"

namespace ember {

int Model::validate(const KvCache& kv, const ember_step& s) const {
  const ember_config& c = config_;
  if (!ready_) return fail(-1, "forward before ember_model_finalize");
  if (kv.num_layers() != c.num_layers || kv.kv_heads() != c.num_kv_heads || kv.head_dim() != c.head_dim)
    return fail(-1, "kv cache was made for another model geometry");
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

void Model::linear_(const Tensor& w, const float* x, int64_t T, float* y, int64_t ldy, const Tensor* bias) {
  linear(*pool_, w, x, T, y, ldy, bias && bias->data ? (const float*)bias->data : nullptr, linear_scratch_);
}

void Model::rope_rows(float* x, int32_t heads, int32_t T) {
  const int64_t ld = (int64_t)heads * config_.head_dim;
  parallel_for(*pool_, T, (int64_t)T * ld >= 16384, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; t++)
      rope_apply(x + t * ld, heads, config_.head_dim, config_.rope_style, rope_ + t * config_.head_dim);
  });
}

int Model::forward(KvCache& kv, const ember_step& s) {
  int rc = validate(kv, s);
  if (rc != 0 || s.num_tokens == 0) return rc;
  const ember_config& c = config_;
  const int32_t T = s.num_tokens, half = c.head_dim / 2;
  const int64_t H = c.hidden_size, QD = (int64_t)c.num_heads * c.head_dim, KD = (int64_t)c.num_kv_heads * c.head_dim;
  const int64_t I = c.intermediate_size;
  const float eps = c.rms_norm_eps;
  ThreadPool& pool = *pool_;
  const AttentionKernels& kern = attention_kernels(active_isa());
  const StepView view{T, s.num_seqs, s.max_blocks, s.positions, s.query_start, s.block_tables, s.slot_mapping};
  const bool share_rows = (int64_t)T * H >= 16384;
  profile_.start();

  gather_rows(embed_, s.token_ids, T, x_);
  for (int32_t t = 0; t < T; t++) rope_angles(inv_freq_, half, s.positions[t], rope_ + (int64_t)t * c.head_dim);
  profile_.mark(Profile::Embed);
  parallel_for(pool, T, share_rows, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; t++) rms_norm_row(x_ + t * H, (const float*)layers_[0].attn_norm.data, H, eps, h_ + t * H);
  });
  profile_.mark(Profile::Norm);

  for (int32_t l = 0; l < c.num_layers; l++) {
    const LayerWeights& L = layers_[l];
    linear_(L.wq, h_, T, q_, QD, &L.bq);
    linear_(L.wk, h_, T, k_, KD, &L.bk);
    linear_(L.wv, h_, T, v_, KD, &L.bv);
    profile_.mark(Profile::Linear);
    rope_rows(q_, c.num_heads, T);
    rope_rows(k_, c.num_kv_heads, T);
    profile_.mark(Profile::Rope);
    const KvLayer cache = kv.layer(l);
    kv_write(pool, kern, cache, view, k_, v_, KD);
    profile_.mark(Profile::KvWrite);
    attention(pool, kern, cache, view, c.num_heads, q_, attn_, attn_scratch_);
    profile_.mark(Profile::Attention);
    linear_(L.wo, attn_, T, h_, H, nullptr);
    profile_.mark(Profile::Linear);
    parallel_for(pool, T, share_rows, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; t++)
        add_rms_norm_row(x_ + t * H, h_ + t * H, (const float*)L.ffn_norm.data, H, eps, h_ + t * H);
    });
    profile_.mark(Profile::Norm);
    linear_(L.gate, h_, T, gate_, I, nullptr);
    linear_(L.up, h_, T, up_, I, nullptr);
    profile_.mark(Profile::Linear);
    parallel_for(pool, T, (int64_t)T * I >= 16384, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; t++) swiglu_row(gate_ + t * I, up_ + t * I, I);
    });
    profile_.mark(Profile::Swiglu);
    linear_(L.down, gate_, T, h_, H, nullptr);
    profile_.mark(Profile::Linear);
    // The residual add of this layer is fused with the next layer's input norm.
    const bool last = l + 1 == c.num_layers;
    const float* next_norm = last ? nullptr : (const float*)layers_[l + 1].attn_norm.data;
    parallel_for(pool, T, share_rows, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; t++) {
        if (last) add_row(x_ + t * H, h_ + t * H, H);
        else add_rms_norm_row(x_ + t * H, h_ + t * H, next_norm, H, eps, h_ + t * H);
      }
    });
    profile_.mark(Profile::Norm);
  }

  // Final norm and LM head over the requested rows only (gathered into h_).
  const int32_t N = s.num_logits;
  for (int32_t i = 0; i < N; i++)
    rms_norm_row(x_ + (int64_t)s.logits_indices[i] * H, (const float*)final_norm_.data, H, eps, h_ + (int64_t)i * H);
  profile_.mark(Profile::Norm);
  if (N > 0) linear_(lm_head_, h_, N, s.logits, c.vocab_size, nullptr);
  profile_.mark(Profile::LmHead);
  return 0;
}

}  // namespace ember
