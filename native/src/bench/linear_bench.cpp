// Linear-layer benchmark on the matrix shapes of Qwen2.5-0.5B and DeepSeek-R1-Distill-Qwen-1.5B.
//
//   scripts/bench-linear.sh [decode|batch|all] [threads...]
//
// decode: T=1 Q8_0/Q4_0/F16/BF16 weight-read GB/s against ember_read_bandwidth_gbs (1 GiB, same
//         threads), and the T=8 / T=1 time ratio (EMBER_DTYPES=f16,bf16 picks dtypes);
//         batch: GOP/s for T = 16, 64, 256 (Q8_0, Q4_0, F16).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/isa.h"
#include "core/thread_pool.h"
#include "ember.h"
#include "linear/linear.h"

using namespace ember;

namespace {

struct Shape {
  const char* name;
  int64_t rows, cols;
};

struct Model {
  const char* name;
  std::vector<Shape> shapes;  // the last one is the LM head
};

const Model kModels[] = {
    {"qwen2.5-0.5b", {{"wq/wo", 896, 896}, {"wk/wv", 128, 896}, {"gate/up", 4864, 896}, {"down", 896, 4864},
                      {"lm_head", 151936, 896}}},
    {"r1-qwen-1.5b", {{"wq/wo", 1536, 1536}, {"wk/wv", 256, 1536}, {"gate/up", 8960, 1536}, {"down", 1536, 8960},
                      {"lm_head", 151936, 1536}}},
};

// How many times each shape appears in one transformer layer (wq+wo, wk+wv, gate+up, down).
const int kPerLayer[] = {2, 2, 2, 1};

const char* dtype_name(int32_t d) {
  static const char* names[] = {"f32", "f16", "bf16", "q8_0", "q4_0"};
  return names[d];
}

// Enough copies of one matrix to exceed the 32 MiB L3 four times over, so that cycling
// through them reads every call's weights from DRAM, as a forward over many layers does.
struct Weights {
  uint8_t* data = nullptr;
  int64_t bytes = 0;
  int copies = 1;
  Weights(int32_t dtype, int64_t rows, int64_t cols) : bytes(ember_dtype_bytes(dtype, rows * cols)) {
    const int64_t dram_bytes = (int64_t)128 << 20;
    copies = (int)((dram_bytes + bytes - 1) / bytes);
    data = (uint8_t*)ember_alloc(bytes * copies);
    uint64_t s = 88172645463325252ull;
    for (int64_t i = 0; i + 8 <= bytes * copies; i += 8) {  // xorshift bytes; then sane scales
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      std::memcpy(data + i, &s, 8);
    }
    if (dtype == EMBER_F16 || dtype == EMBER_BF16) {  // |w| < 1 (f16) or < 2 (bf16), finite
      for (int64_t i = 0; i < bytes * copies / 2; i++) ((uint16_t*)data)[i] &= 0xBBFF;
    } else if (dtype == EMBER_Q8_0 || dtype == EMBER_Q4_0) {
      int64_t block = dtype == EMBER_Q8_0 ? 34 : 18;
      for (int64_t b = 0; b < bytes * copies / block; b++) data[b * block] = 0, data[b * block + 1] = 0x20;
    }
  }
  ~Weights() { ember_free(data); }
};

// Seconds per call, cycling through the copies: the best of several full cycles.
double seconds_per_call(ThreadPool& pool, const Weights& w, int32_t dtype, int64_t rows, int64_t cols,
                        const float* x, int64_t T, float* y, void* scratch) {
  auto call = [&](int c) {
    linear(pool, Tensor{w.data + c * w.bytes, dtype, rows, cols}, x, T, y, rows, nullptr, scratch);
  };
  call(0);
  double best = 1e30, total = 0;
  for (int cycle = 0; cycle < 20 && (total < 0.3 || cycle < 2); cycle++) {
    auto start = std::chrono::steady_clock::now();
    for (int c = 0; c < w.copies; c++) call(c);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = s / w.copies < best ? s / w.copies : best;
    total += s;
  }
  return best;
}

struct Buffers {
  std::vector<float> x, y;
  void* scratch = nullptr;
  Buffers(int64_t T, int64_t rows, int64_t cols, int32_t dtype) : x(T * cols), y(T * rows) {
    for (size_t i = 0; i < x.size(); i++) x[i] = (float)((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
    scratch = ember_alloc(linear_scratch_bytes(dtype, T, cols) + 64);
  }
  ~Buffers() { ember_free(scratch); }
};

// Weight dtypes of the decode table: all, or those named in EMBER_DTYPES (e.g. "f16,bf16").
std::vector<int32_t> decode_dtypes() {
  const char* only = std::getenv("EMBER_DTYPES");
  std::vector<int32_t> out;
  for (int32_t d : {EMBER_Q8_0, EMBER_Q4_0, EMBER_F16, EMBER_BF16}) {
    bool named = only == nullptr;
    for (const char* p = only; p != nullptr && !named; p = std::strchr(p, ',') ? std::strchr(p, ',') + 1 : nullptr) {
      const size_t n = std::strlen(dtype_name(d));
      named = std::strncmp(p, dtype_name(d), n) == 0 && (p[n] == ',' || p[n] == 0);
    }
    if (named) out.push_back(d);
  }
  return out;
}

void decode(const std::vector<int>& thread_counts) {
  std::printf("\n== T=1 decode: weight-read GB/s vs read bandwidth; T=8 / T=1 time ==\n");
  std::printf("%-13s %-8s %-15s %-5s %3s %10s %8s %7s %9s %9s\n", "model", "matrix", "shape", "dtype", "thr",
              "us/call", "GB/s", "%bw", "T=8 us", "T8/T1");
  for (int threads : thread_counts) {
    double bw = ember_read_bandwidth_gbs((int64_t)1 << 30, threads);
    std::printf("-- threads %d: ember_read_bandwidth_gbs(1 GiB) = %.1f GB/s, isa %s\n", threads, bw, ember_isa());
    ThreadPool pool(threads);
    for (const Model& m : kModels) {
      for (int32_t dtype : decode_dtypes()) {
        double layer_bytes = 0, layer_s = 0, layer_s8 = 0;
        for (size_t i = 0; i < m.shapes.size(); i++) {
          const Shape& sh = m.shapes[i];
          Weights w(dtype, sh.rows, sh.cols);
          Buffers buf(8, sh.rows, sh.cols, dtype);
          double s1 = seconds_per_call(pool, w, dtype, sh.rows, sh.cols, buf.x.data(), 1, buf.y.data(), buf.scratch);
          double s8 = seconds_per_call(pool, w, dtype, sh.rows, sh.cols, buf.x.data(), 8, buf.y.data(), buf.scratch);
          double gbs = w.bytes / s1 / 1e9;
          char shape[32];
          std::snprintf(shape, sizeof shape, "%lldx%lld", (long long)sh.rows, (long long)sh.cols);
          std::printf("%-13s %-8s %-15s %-5s %3d %10.1f %8.1f %6.0f%% %9.1f %9.2f\n", m.name, sh.name, shape,
                      dtype_name(dtype), threads, s1 * 1e6, gbs, 100 * gbs / bw, s8 * 1e6, s8 / s1);
          if (i < 4) {
            layer_bytes += kPerLayer[i] * (double)w.bytes;
            layer_s += kPerLayer[i] * s1;
            layer_s8 += kPerLayer[i] * s8;
          }
        }
        double gbs = layer_bytes / layer_s / 1e9;
        std::printf("%-13s %-8s %-15s %-5s %3d %10.1f %8.1f %6.0f%% %9.1f %9.2f\n", m.name, "layer", "(7 matrices)",
                    dtype_name(dtype), threads, layer_s * 1e6, gbs, 100 * gbs / bw, layer_s8 * 1e6, layer_s8 / layer_s);
      }
    }
  }
}

void batch(const std::vector<int>& thread_counts, double ghz) {
  std::printf("\n== batched: GOP/s = 2*rows*cols*T / time (layer matrices) ==\n");
  std::printf("%-13s %-8s %-15s %-5s %4s %3s %10s %8s\n", "model", "matrix", "shape", "dtype", "T", "thr",
              "us/call", "GOP/s");
  for (int threads : thread_counts) {
    ThreadPool pool(threads);
    for (const Model& m : kModels) {
      for (int32_t dtype : {EMBER_Q8_0, EMBER_Q4_0, EMBER_F16}) {
        for (int64_t T : {16, 64, 256}) {
          double ops = 0, total = 0;
          for (size_t i = 0; i < 4; i++) {
            const Shape& sh = m.shapes[i];
            Weights w(dtype, sh.rows, sh.cols);
            Buffers buf(T, sh.rows, sh.cols, dtype);
            double s = seconds_per_call(pool, w, dtype, sh.rows, sh.cols, buf.x.data(), T, buf.y.data(), buf.scratch);
            double gops = 2.0 * sh.rows * sh.cols * T / s / 1e9;
            char shape[32];
            std::snprintf(shape, sizeof shape, "%lldx%lld", (long long)sh.rows, (long long)sh.cols);
            std::printf("%-13s %-8s %-15s %-5s %4lld %3d %10.1f %8.1f\n", m.name, sh.name, shape, dtype_name(dtype),
                        (long long)T, threads, s * 1e6, gops);
            ops += kPerLayer[i] * 2.0 * sh.rows * sh.cols * T;
            total += kPerLayer[i] * s;
          }
          std::printf("%-13s %-8s %-15s %-5s %4lld %3d %10.1f %8.1f  (%.1f ops/cycle/thread at %.2f GHz)\n", m.name,
                      "layer", "(7 matrices)", dtype_name(dtype), (long long)T, threads, total * 1e6, ops / total / 1e9,
                      ops / total / 1e9 / ghz / threads, ghz);
        }
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "all";
  std::vector<int> threads;
  for (int i = 2; i < argc; i++) threads.push_back(std::atoi(argv[i]));
  if (threads.empty()) threads = {1, 2};
  const char* isa = std::getenv("EMBER_ISA");
  if (isa && ember_force_isa(isa) != 0) {
    std::fprintf(stderr, "%s\n", ember_last_error());
    return 1;
  }
  const char* ghz_env = std::getenv("EMBER_GHZ");
  double ghz = ghz_env ? std::atof(ghz_env) : 2.6;
  if (mode == "decode" || mode == "all") decode(threads);
  if (mode == "batch" || mode == "all") batch(threads, ghz);
  return 0;
}
