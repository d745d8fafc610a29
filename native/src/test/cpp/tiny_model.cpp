#include "tiny_model.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace ember_test {

ember_config tiny_config() {
  ember_config c{};
  c.hidden_size = 64;
  c.num_layers = 2;
  c.num_heads = 4;
  c.num_kv_heads = 2;
  c.head_dim = 16;
  c.intermediate_size = 96;
  c.vocab_size = 100;
  c.max_position = 512;
  c.rms_norm_eps = 1e-5f;
  c.rope_theta = 10000.f;
  c.rope_style = EMBER_ROPE_NEOX;
  c.rope_scaling = EMBER_ROPE_SCALING_NONE;
  c.attention_bias = 1;
  return c;
}

TinyModel::TinyModel(const ember_config& c, uint64_t seed) : cfg_(c), layers_(c.num_layers) {
  Random rng(seed);
  const int H = c.hidden_size, QD = c.num_heads * c.head_dim, KD = c.num_kv_heads * c.head_dim;
  const int I = c.intermediate_size, V = c.vocab_size;
  auto make = [&](std::vector<float>& v, size_t n, float lo, float hi) {
    v.resize(n);
    rng.fill(v, lo, hi);
  };
  make(embed_, (size_t)V * H, -1, 1);
  make(final_norm_, H, 0.8f, 1.2f);
  if (!c.tie_word_embeddings) make(lm_head_, (size_t)V * H, -0.2f, 0.2f);
  const float s = 0.25f;
  for (Layer& L : layers_) {
    make(L.attn_norm, H, 0.8f, 1.2f);
    make(L.wq, (size_t)QD * H, -s, s);
    make(L.wk, (size_t)KD * H, -s, s);
    make(L.wv, (size_t)KD * H, -s, s);
    make(L.wo, (size_t)H * QD, -s, s);
    if (c.attention_bias) {
      make(L.bq, QD, -0.5f, 0.5f);
      make(L.bk, KD, -0.5f, 0.5f);
      make(L.bv, KD, -0.5f, 0.5f);
    }
    make(L.ffn_norm, H, 0.8f, 1.2f);
    make(L.gate, (size_t)I * H, -s, s);
    make(L.up, (size_t)I * H, -s, s);
    make(L.down, (size_t)H * I, -s, s);
  }
}

ember_model* TinyModel::build(int threads, int max_tokens, int skip_kind, int skip_layer) const {
  const ember_config& c = cfg_;
  return fill(ember_model_new(&c, "cpu", threads, max_tokens), skip_kind, skip_layer);
}

ember_model* TinyModel::build_as(int32_t dtype, int threads, int max_tokens) const {
  const ember_config& c = cfg_;
  return fill(ember_model_new(&c, "cpu", threads, max_tokens), -1, -1, dtype);
}

ember_model* TinyModel::fill(ember_model* m, int skip_kind, int skip_layer, int32_t dtype) const {
  const ember_config& c = cfg_;
  const int H = c.hidden_size, QD = c.num_heads * c.head_dim, KD = c.num_kv_heads * c.head_dim;
  const int I = c.intermediate_size, V = c.vocab_size;
  if (m == nullptr) return nullptr;
  auto set = [&](int kind, int layer, const std::vector<float>& w, int64_t rows, int64_t cols) {
    if (kind == skip_kind && (layer == skip_layer || skip_layer < 0)) return;
    const bool matrix = rows > 1 && kind != EMBER_W_EMBED;
    if (!matrix || dtype == EMBER_F32) {
      ember_model_set_tensor(m, kind, layer, w.data(), EMBER_F32, rows, cols);
      return;
    }
    converted_.emplace_back(ember_dtype_bytes(dtype, rows * cols));
    ember_convert(w.data(), EMBER_F32, converted_.back().data(), dtype, rows * cols, 1);
    ember_model_set_tensor(m, kind, layer, converted_.back().data(), dtype, rows, cols);
  };
  set(EMBER_W_EMBED, 0, embed_, V, H);
  set(EMBER_W_FINAL_NORM, 0, final_norm_, 1, H);
  if (!c.tie_word_embeddings) set(EMBER_W_LM_HEAD, 0, lm_head_, V, H);
  for (int l = 0; l < c.num_layers; l++) {
    const Layer& L = layers_[l];
    set(EMBER_W_ATTN_NORM, l, L.attn_norm, 1, H);
    set(EMBER_W_WQ, l, L.wq, QD, H);
    set(EMBER_W_WK, l, L.wk, KD, H);
    set(EMBER_W_WV, l, L.wv, KD, H);
    set(EMBER_W_WO, l, L.wo, H, QD);
    if (c.attention_bias) {
      set(EMBER_W_BQ, l, L.bq, 1, QD);
      set(EMBER_W_BK, l, L.bk, 1, KD);
      set(EMBER_W_BV, l, L.bv, 1, KD);
    }
    set(EMBER_W_FFN_NORM, l, L.ffn_norm, 1, H);
    set(EMBER_W_GATE, l, L.gate, I, H);
    set(EMBER_W_UP, l, L.up, I, H);
    set(EMBER_W_DOWN, l, L.down, H, I);
  }
  if (ember_model_finalize(m) != 0) {
    ember_model_free(m);
    return nullptr;
  }
  return m;
}

namespace {

using Vec = std::vector<double>;

Vec matvec(const std::vector<float>& w, const Vec& x, int rows, const std::vector<float>* bias) {
  const int cols = (int)x.size();
  Vec y(rows);
  for (int r = 0; r < rows; r++) {
    double a = bias && !bias->empty() ? (*bias)[r] : 0;
    for (int k = 0; k < cols; k++) a += (double)w[(size_t)r * cols + k] * x[k];
    y[r] = a;
  }
  return y;
}

Vec rms_norm(const Vec& x, const std::vector<float>& w, double eps) {
  double ss = 0;
  for (double v : x) ss += v * v;
  double r = 1 / std::sqrt(ss / x.size() + eps);
  Vec y(x.size());
  for (size_t i = 0; i < x.size(); i++) y[i] = x[i] * r * w[i];
  return y;
}

double rope_freq(const ember_config& c, int i) {
  double f = std::pow((double)c.rope_theta, -2.0 * i / c.head_dim);
  if (c.rope_scaling != EMBER_ROPE_SCALING_LLAMA3) return f;
  double wavelen = 2 * M_PI / f, orig = c.rope_original_max_position;
  if (wavelen < orig / c.rope_high_freq_factor) return f;
  if (wavelen > orig / c.rope_low_freq_factor) return f / c.rope_factor;
  double smooth = (orig / wavelen - c.rope_low_freq_factor) / (c.rope_high_freq_factor - c.rope_low_freq_factor);
  return (1 - smooth) * f / c.rope_factor + smooth * f;
}

void rope(const ember_config& c, Vec& x, int heads, int pos) {
  const int d = c.head_dim, half = d / 2;
  for (int h = 0; h < heads; h++) {
    for (int i = 0; i < half; i++) {
      int a = c.rope_style == EMBER_ROPE_NEOX ? i : 2 * i, b = c.rope_style == EMBER_ROPE_NEOX ? i + half : 2 * i + 1;
      double ang = pos * rope_freq(c, i), xa = x[h * d + a], xb = x[h * d + b];
      x[h * d + a] = xa * std::cos(ang) - xb * std::sin(ang);
      x[h * d + b] = xb * std::cos(ang) + xa * std::sin(ang);
    }
  }
}

}  // namespace

std::vector<double> TinyModel::reference(const std::vector<int32_t>& tokens) const {
  const ember_config& c = cfg_;
  const int n = (int)tokens.size(), H = c.hidden_size, d = c.head_dim, QD = c.num_heads * d;
  const int KD = c.num_kv_heads * d, I = c.intermediate_size, V = c.vocab_size;
  const int group = c.num_heads / c.num_kv_heads;
  std::vector<Vec> x(n);
  for (int t = 0; t < n; t++) x[t] = Vec(embed_.begin() + (size_t)tokens[t] * H, embed_.begin() + (size_t)(tokens[t] + 1) * H);
  for (const Layer& L : layers_) {
    std::vector<Vec> q(n), k(n), v(n);
    for (int t = 0; t < n; t++) {
      Vec h = rms_norm(x[t], L.attn_norm, c.rms_norm_eps);
      q[t] = matvec(L.wq, h, QD, &L.bq);
      k[t] = matvec(L.wk, h, KD, &L.bk);
      v[t] = matvec(L.wv, h, KD, &L.bv);
      rope(c, q[t], c.num_heads, t);
      rope(c, k[t], c.num_kv_heads, t);
    }
    for (int t = 0; t < n; t++) {
      Vec att(QD, 0.0);
      for (int hd = 0; hd < c.num_heads; hd++) {
        int kh = hd / group;
        Vec w(t + 1);
        double mx = -1e300, sum = 0;
        for (int j = 0; j <= t; j++) {
          double dot = 0;
          for (int i = 0; i < d; i++) dot += q[t][hd * d + i] * k[j][kh * d + i];
          w[j] = dot / std::sqrt((double)d);
          mx = std::max(mx, w[j]);
        }
        for (int j = 0; j <= t; j++) sum += (w[j] = std::exp(w[j] - mx));
        for (int j = 0; j <= t; j++)
          for (int i = 0; i < d; i++) att[hd * d + i] += w[j] / sum * v[j][kh * d + i];
      }
      Vec o = matvec(L.wo, att, H, nullptr);
      for (int i = 0; i < H; i++) x[t][i] += o[i];
      Vec h = rms_norm(x[t], L.ffn_norm, c.rms_norm_eps);
      Vec g = matvec(L.gate, h, I, nullptr), u = matvec(L.up, h, I, nullptr);
      for (int i = 0; i < I; i++) g[i] = g[i] / (1 + std::exp(-g[i])) * u[i];
      Vec dn = matvec(L.down, g, H, nullptr);
      for (int i = 0; i < H; i++) x[t][i] += dn[i];
    }
  }
  std::vector<double> logits((size_t)n * V);
  const std::vector<float>& head = c.tie_word_embeddings ? embed_ : lm_head_;
  for (int t = 0; t < n; t++) {
    Vec y = matvec(head, rms_norm(x[t], final_norm_, c.rms_norm_eps), V, nullptr);
    std::copy(y.begin(), y.end(), logits.begin() + (size_t)t * V);
  }
  return logits;
}

StepDriver::StepDriver(ember_model* model, ember_kv* kv, int block_size, int vocab, std::vector<int32_t> free_blocks)
    : model_(model), kv_(kv), block_size_(block_size), vocab_(vocab), free_(std::move(free_blocks)) {}

std::vector<float> StepDriver::run(const std::vector<Chunk>& chunks) {
  std::vector<int32_t> ids, pos, start{0}, ctx, slots, table, logit_rows;
  int max_blocks = 0;
  for (const Chunk& ch : chunks) {
    Sequence& s = *ch.seq;
    int total = s.cached + (int)ch.tokens.size();
    while ((int)s.blocks.size() * block_size_ < total) s.blocks.push_back(free_[next_free_++]);
    max_blocks = std::max(max_blocks, (int)s.blocks.size());
  }
  for (const Chunk& ch : chunks) {
    Sequence& s = *ch.seq;
    for (size_t i = 0; i < ch.tokens.size(); i++) {
      int p = s.cached + (int)i;
      logit_rows.push_back((int32_t)ids.size());
      ids.push_back(ch.tokens[i]);
      pos.push_back(p);
      slots.push_back(s.blocks[p / block_size_] * block_size_ + p % block_size_);
    }
    s.cached += (int)ch.tokens.size();
    start.push_back((int32_t)ids.size());
    ctx.push_back(s.cached);
    for (int b = 0; b < max_blocks; b++) table.push_back(b < (int)s.blocks.size() ? s.blocks[b] : -1);
  }
  std::vector<float> logits(logit_rows.size() * (size_t)vocab_);
  ember_step step{};
  step.num_tokens = (int32_t)ids.size();
  step.num_seqs = (int32_t)chunks.size();
  step.max_blocks = max_blocks;
  step.num_logits = (int32_t)logit_rows.size();
  step.token_ids = ids.data();
  step.positions = pos.data();
  step.query_start = start.data();
  step.context_lens = ctx.data();
  step.block_tables = table.data();
  step.slot_mapping = slots.data();
  step.logits_indices = logit_rows.data();
  step.logits = logits.data();
  if (ember_forward(model_, kv_, &step) != 0) return {};
  return logits;
}

std::vector<int32_t> block_order(int n, bool shuffled, uint64_t seed) {
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (shuffled) {
    Random rng(seed);
    for (int i = n - 1; i > 0; i--) std::swap(order[i], order[rng.below(i + 1)]);
  }
  return order;
}

}  // namespace ember_test
