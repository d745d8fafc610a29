// Forward benchmark on Qwen2.5-0.5B shapes with random Q8_0, Q4_0, F16 or BF16 weights: prefills
// a context in one step (best of three, with its share of the measured peak), then times batch-1
// decode steps; both report the time per op class and the process CPU time, so one sees whether
// decode is dominated by the weight reads in linear() (it should be).
//
//   scripts/bench-forward.sh [threads] [context] [q8_0|q4_0|f16|bf16]
#include <algorithm>
#include <chrono>
#include <ctime>
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

// Random f16 or bf16 matrix with values in about [-1/16, 1/16].
void* random_half(int32_t dtype, int64_t rows, int64_t cols, uint64_t seed) {
  uint16_t* p = (uint16_t*)ember_alloc(rows * cols * 2);
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (int64_t i = 0; i < rows * cols; i++) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    float v = ((int)(s & 0xffff) - 32768) / (32768.f * 16.f);
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    if (dtype == EMBER_BF16) {
      p[i] = (uint16_t)(bits >> 16);
    } else {  // |v| < 1/16 and no rounding needed for a benchmark: truncate the mantissa
      int e = (int)((bits >> 23) & 0xff) - 127 + 15;
      p[i] = (uint16_t)(((bits >> 16) & 0x8000) | (e <= 0 ? 0 : (e << 10) | ((bits >> 13) & 0x3ff)));
    }
  }
  return p;
}

double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  const int context = argc > 2 ? std::atoi(argv[2]) : 256;
  const char* dname = argc > 3 ? argv[3] : "q8_0";
  const int32_t dtype = std::strcmp(dname, "q4_0") == 0 ? EMBER_Q4_0
                        : std::strcmp(dname, "f16") == 0 ? EMBER_F16
                        : std::strcmp(dname, "bf16") == 0 ? EMBER_BF16
                                                            : EMBER_Q8_0;
  const bool quantized = dtype == EMBER_Q8_0 || dtype == EMBER_Q4_0;
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
  const int prefill_chunk = std::max(context, 1);
  ember_model* m = ember_model_new(&c, "cpu", threads, prefill_chunk);
  std::vector<void*> owned;
  uint64_t seed = 1;
  auto mat = [&](int kind, int layer, int64_t rows, int64_t cols) {
    void* w = quantized ? random_quantized(dtype, rows, cols, seed++) : random_half(dtype, rows, cols, seed++);
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
  ember::Model* model = reinterpret_cast<ember::Model*>(m);
  step(0, context);  // warm-up: touches every weight page once
  double prefill_s = 1e30, prefill_cpu = 0;
  int64_t prefill_ns[ember::Profile::kCount] = {};
  for (int r = 0; r < 3; r++) {
    model->profile().enabled = true;
    model->profile().reset();
    double c0 = cpu_seconds();
    auto t0 = now();
    step(0, context);
    double wall = std::chrono::duration<double>(now() - t0).count();
    if (wall < prefill_s) {
      prefill_s = wall, prefill_cpu = cpu_seconds() - c0;
      std::memcpy(prefill_ns, model->profile().ns, sizeof prefill_ns);
    }
  }
  model->profile().reset();
  double c0 = cpu_seconds();
  auto t0 = now();
  for (int d = 0; d < decodes; d++) step(context + d, 1);
  double decode_s = std::chrono::duration<double>(now() - t0).count();
  double decode_cpu = cpu_seconds() - c0;
  int64_t weight_bytes = 0;
  for (int64_t sz : {(int64_t)QD * H * 2 + (int64_t)KD * H * 2 + (int64_t)I * H * 3}) weight_bytes = sz;
  weight_bytes = ember_dtype_bytes(dtype, weight_bytes) * c.num_layers + ember_dtype_bytes(dtype, (int64_t)c.vocab_size * H);
  const double t = context;
  const double per_layer = (double)H * QD + 2.0 * H * KD + (double)QD * H + 3.0 * H * I;
  const double ops = 2.0 * per_layer * c.num_layers * t + 2.0 * H * c.vocab_size +
                     4.0 * c.num_layers * c.num_heads * c.head_dim * (t * (t + 1) / 2.0);
  const double peak = ember_peak_gops(quantized ? 1 : 0, threads);
  std::printf("qwen2.5-0.5b shapes, %s weights, isa %s, %d threads, context %d\n", dname, ember_isa(), threads, context);
  std::printf("prefill %d tokens: %.1f ms (%.1f tok/s), cpu %.1f ms, %.1f G-ops/s = %.0f%% of peak %.1f\n", context,
              prefill_s * 1e3, context / prefill_s, prefill_cpu * 1e3, ops / prefill_s / 1e9,
              100 * ops / prefill_s / 1e9 / peak, peak);
  for (int op = 0; op < ember::Profile::kCount; op++)
    std::printf("  %-10s %8.2f ms  %5.1f%%\n", ember::Profile::name(op), prefill_ns[op] / 1e6,
                100.0 * prefill_ns[op] / (prefill_s * 1e9));
  std::printf("decode batch 1: %.2f ms/token (cpu %.2f ms), weights %.0f MB -> %.1f GB/s effective\n",
              decode_s * 1e3 / decodes, decode_cpu * 1e3 / decodes, weight_bytes / 1e6,
              weight_bytes / (decode_s / decodes) / 1e9);
  for (int op = 0; op < ember::Profile::kCount; op++)
    std::printf("  %-10s %7.3f ms/token  %5.1f%%\n", ember::Profile::name(op), model->profile().ns[op] / 1e6 / decodes,
                100.0 * model->profile().ns[op] / (decode_s * 1e9));
  ember_kv_free(kv);
  ember_model_free(m);
  for (void* p : owned) ember_free(p);
  return 0;
}
