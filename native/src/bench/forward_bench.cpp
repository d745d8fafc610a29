// Forward benchmark on Qwen2.5-0.5B shapes with random Q8_0 (or Q4_0) weights: prefills a
// context, then times batch-1 decode steps and reports the time per op class, so one sees
// whether decode is dominated by the weight reads in linear() (it should be).
//
//   scripts/bench-forward.sh [threads] [context] [q8_0|q4_0]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/isa.h"
#include "ember.h"
#include "model/model.h"

namespace {

// Random quantized matrix: every block's scale is 1/64 (as f16), quants random.
void* random_quantized(int32_t dtype, int64_t rows, int64_t cols, uint64_t seed) {
  int64_t bytes = ember_dtype_bytes(dtype, rows * cols);
  unsigned char* p = (unsigned char*)ember_alloc(bytes);
  const int64_t block = dtype == EMBER_Q8_0 ? 34 : 18;
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (int64_t b = 0; b < bytes / block; b++) {
    unsigned char* q = p + b * block;
    q[0] = 0x00;
    q[1] = 0x24;  // f16 1/64
    for (int64_t i = 2; i < block; i++) {
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      q[i] = (unsigned char)s;
    }
  }
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  const int context = argc > 2 ? std::atoi(argv[2]) : 256;
  const int32_t dtype = argc > 3 && std::strcmp(argv[3], "q4_0") == 0 ? EMBER_Q4_0 : EMBER_Q8_0;
  const char* isa = std::getenv("EMBER_ISA");
  if (isa && ember_force_isa(isa) != 0) {
    std::fprintf(stderr, "isa %s unsupported here\n", isa);
    return 1;
  }
  ember_config c{};
  c.hidden_size = 896, c.num_layers = 24, c.num_heads = 14, c.num_kv_heads = 2, c.head_dim = 64;
  c.intermediate_size = 4864, c.vocab_size = 151936, c.max_position = 32768, c.rms_norm_eps = 1e-6f;
  c.rope_theta = 1e6f, c.rope_style = EMBER_ROPE_NEOX, c.tie_word_embeddings = 1, c.attention_bias = 1;
  const int H = c.hidden_size, QD = c.num_heads * c.head_dim, KD = c.num_kv_heads * c.head_dim;
  const int I = c.intermediate_size;
  const int prefill_chunk = 256;
  ember_model* m = ember_model_new(&c, "cpu", threads, prefill_chunk);
  std::vector<void*> owned;
  uint64_t seed = 1;
  auto mat = [&](int kind, int layer, int64_t rows, int64_t cols) {
    void* w = random_quantized(dtype, rows, cols, seed++);
    owned.push_back(w);
    ember_model_set_tensor(m, kind, layer, w, dtype, rows, cols);
  };
  std::vector<float> ones(I, 1.f), zeros(QD, 0.f);
  mat(EMBER_W_EMBED, 0, c.vocab_size, H);
  ember_model_set_tensor(m, EMBER_W_FINAL_NORM, 0, ones.data(), EMBER_F32, 1, H);
  for (int l = 0; l < c.num_layers; l++) {
    ember_model_set_tensor(m, EMBER_W_ATTN_NORM, l, ones.data(), EMBER_F32, 1, H);
    ember_model_set_tensor(m, EMBER_W_FFN_NORM, l, ones.data(), EMBER_F32, 1, H);
    ember_model_set_tensor(m, EMBER_W_BQ, l, zeros.data(), EMBER_F32, 1, QD);
    ember_model_set_tensor(m, EMBER_W_BK, l, zeros.data(), EMBER_F32, 1, KD);
    ember_model_set_tensor(m, EMBER_W_BV, l, zeros.data(), EMBER_F32, 1, KD);
    mat(EMBER_W_WQ, l, QD, H), mat(EMBER_W_WK, l, KD, H), mat(EMBER_W_WV, l, KD, H), mat(EMBER_W_WO, l, H, QD);
    mat(EMBER_W_GATE, l, I, H), mat(EMBER_W_UP, l, I, H), mat(EMBER_W_DOWN, l, H, I);
  }
  if (ember_model_finalize(m) != 0) {
    std::fprintf(stderr, "%s\n", ember_last_error());
    return 1;
  }
  const int decodes = 32, bs = 16;
  const int blocks = (context + decodes + bs - 1) / bs + 1;
  ember_kv* kv = ember_kv_new(m, blocks, bs, EMBER_F16);
  std::vector<int32_t> table(blocks);
  for (int b = 0; b < blocks; b++) table[b] = b;
  std::vector<int32_t> ids(prefill_chunk), pos(prefill_chunk), slots(prefill_chunk);
  std::vector<float> logits(c.vocab_size);
  auto step = [&](int first, int n) {
    for (int i = 0; i < n; i++) ids[i] = (first + i) * 7919 % c.vocab_size, pos[i] = first + i, slots[i] = first + i;
    int32_t qs[2] = {0, n}, ctx[1] = {first + n}, last[1] = {n - 1};
    ember_step s{n, 1, blocks, 1, ids.data(), pos.data(), qs, ctx, table.data(), slots.data(), last, logits.data()};
    if (ember_forward(m, kv, &s) != 0) {
      std::fprintf(stderr, "%s\n", ember_last_error());
      std::exit(1);
    }
  };
  auto now = [] { return std::chrono::steady_clock::now(); };
  auto t0 = now();
  for (int p = 0; p < context; p += prefill_chunk) step(p, std::min(prefill_chunk, context - p));
  double prefill_s = std::chrono::duration<double>(now() - t0).count();
  ember::Model* model = reinterpret_cast<ember::Model*>(m);
  model->profile().enabled = true;
  model->profile().reset();
  t0 = now();
  for (int d = 0; d < decodes; d++) step(context + d, 1);
  double decode_s = std::chrono::duration<double>(now() - t0).count();
  int64_t weight_bytes = 0;
  for (int64_t sz : {(int64_t)QD * H * 2 + (int64_t)KD * H * 2 + (int64_t)I * H * 3}) weight_bytes = sz;
  weight_bytes = ember_dtype_bytes(dtype, weight_bytes) * c.num_layers + ember_dtype_bytes(dtype, (int64_t)c.vocab_size * H);
  std::printf("qwen2.5-0.5b shapes, %s weights, isa %s, %d threads, context %d\n", dtype == EMBER_Q8_0 ? "q8_0" : "q4_0",
              ember_isa(), threads, context);
  std::printf("prefill %d tokens: %.1f ms (%.1f tok/s)\n", context, prefill_s * 1e3, context / prefill_s);
  std::printf("decode batch 1: %.2f ms/token, weights %.0f MB -> %.1f GB/s effective\n", decode_s * 1e3 / decodes,
              weight_bytes / 1e6, weight_bytes / (decode_s / decodes) / 1e9);
  for (int op = 0; op < ember::Profile::kCount; op++)
    std::printf("  %-10s %7.3f ms/token  %5.1f%%\n", ember::Profile::name(op), model->profile().ns[op] / 1e6 / decodes,
                100.0 * model->profile().ns[op] / (decode_s * 1e9));
  ember_kv_free(kv);
  ember_model_free(m);
  for (void* p : owned) ember_free(p);
  return 0;
}
