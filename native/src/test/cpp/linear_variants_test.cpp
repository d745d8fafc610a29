// Every kernel variant this CPU supports against a double-precision reference on odd shapes.
//
// Q8_0/Q4_0 weights: the reference applies the same activation quantization (ggml Q8_0 formula)
// and sums exactly in double, so a variant may only differ by float rounding (1e-5 of the sum
// of |terms|); a looser check against the unquantized float product bounds the quantization.
// BF16 weights in a variant with bf16 tiles (avx512-bf16, neon-mmla) for T >= kBf16DotMinRows: the reference rounds the
// activations to bf16 (nearest even) as the variant does, and sums exactly.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/isa.h"
#include "ember.h"
#include "linear/kernels.h"
#include "linear/linear.h"
#include "linear/quant.h"
#include "test.h"

using namespace ember;

namespace {

struct Rng {
  uint64_t s;
  float next() {  // uniform in [-1, 1)
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((s >> 40) & 0xFFFFFF) / 8388608.0f - 1.0f;
  }
};

struct AlignedBuf {
  void* p;
  explicit AlignedBuf(int64_t bytes) : p(nullptr) {
    if (posix_memalign(&p, 64, (size_t)(bytes > 0 ? bytes : 64)) != 0) std::abort();
  }
  ~AlignedBuf() { free(p); }
};

bool quantized(int32_t dtype) { return dtype == EMBER_Q8_0 || dtype == EMBER_Q4_0; }

// The activations as the Q kernels see them: x quantized to 8-bit blocks and dequantized.
std::vector<double> act_as_quantized(const std::vector<float>& x) {
  std::vector<double> out(x.size());
  for (size_t b = 0; b < x.size(); b += 32) {
    int8_t q[32];
    float d;
    int32_t sum;
    quantize_act_block(&x[b], q, &d, &sum);
    for (int j = 0; j < 32; j++) out[b + j] = (double)d * q[j];
  }
  return out;
}

bool check_against_reference(const std::vector<float>& y, const std::vector<float>& wd, const std::vector<float>& x,
                             const std::vector<double>& xq, const std::vector<float>& bias, int32_t dtype, int64_t rows,
                             int64_t cols, int64_t T, int64_t ldy, bool with_bias, bool bf16_act, int threads);

// Runs one case and compares it with the references; returns false on the first mismatch.
bool check_case(ThreadPool& pool, int32_t dtype, int64_t rows, int64_t cols, int64_t T, bool with_bias, Rng& rng) {
  std::vector<float> wf(rows * cols), x(T * cols), bias(rows);
  for (auto& v : wf) v = rng.next();
  for (auto& v : x) v = rng.next() * 3.0f;
  for (auto& v : bias) v = rng.next();
  std::vector<uint8_t> w(ember_dtype_bytes(dtype, rows * cols));
  convert(pool, wf.data(), EMBER_F32, w.data(), dtype, rows * cols);
  std::vector<float> wd(rows * cols);
  convert(pool, w.data(), dtype, wd.data(), EMBER_F32, rows * cols);
  std::vector<double> xq = quantized(dtype) ? act_as_quantized(x) : std::vector<double>(x.begin(), x.end());
  const bool bf16_act = dtype == EMBER_BF16 && T >= kBf16DotMinRows && kernels_for(active_isa()).bf16_dot != nullptr;
  if (bf16_act) {
    for (auto& v : xq) v = bf16_to_f32(f32_to_bf16((float)v));
  }

  const int64_t ldy = rows + 3;
  std::vector<float> y(T * ldy, NAN);
  AlignedBuf scratch(linear_scratch_bytes(dtype, T, cols));
  const Tensor rows_w{w.data(), dtype, rows, cols};
  linear(pool, rows_w, x.data(), T, y.data(), ldy, with_bias ? bias.data() : nullptr, scratch.p);
  if (!check_against_reference(y, wd, x, xq, bias, dtype, rows, cols, T, ldy, with_bias, bf16_act, pool.size())) return false;

  // The same weights packed into the variant's panel layout, where it has one: equal to the last bit
  // wherever both products run the same tiles (T >= 2, shared out by rows; a share of one token
  // takes GemvOf in row-major), and within the reference's bounds everywhere.
  const int64_t packed = panel_layout_bytes(rows_w);
  if (packed > 0) {
    AlignedBuf panels(packed);
    const Tensor pw = pack_panels(pool, rows_w, panels.p);
    std::vector<float> yp(T * ldy, NAN);
    linear(pool, pw, x.data(), T, yp.data(), ldy, with_bias ? bias.data() : nullptr, scratch.p);
    if (!check_against_reference(yp, wd, x, xq, bias, dtype, rows, cols, T, ldy, with_bias, bf16_act, pool.size()))
      return false;
    const bool same_tiles = T >= 2 && (rows >= 8 * pool.size() || T < pool.size());
    for (int64_t t = 0; same_tiles && t < T; t++) {
      if (std::memcmp(&y[t * ldy], &yp[t * ldy], rows * sizeof(float)) != 0) {
        std::fprintf(stderr, "  %s dtype %d rows %lld cols %lld T %lld threads %d: panels differ from rows in row %lld\n",
                     ember_isa(), dtype, (long long)rows, (long long)cols, (long long)T, pool.size(), (long long)t);
        return false;
      }
    }
  }
  return true;
}

// y against the double references of check_case.
bool check_against_reference(const std::vector<float>& y, const std::vector<float>& wd, const std::vector<float>& x,
                             const std::vector<double>& xq, const std::vector<float>& bias, int32_t dtype, int64_t rows,
                             int64_t cols, int64_t T, int64_t ldy, bool with_bias, bool bf16_act, int threads) {
  for (int64_t t = 0; t < T; t++) {
    for (int64_t r = 0; r < rows; r++) {
      double ref = with_bias ? bias[r] : 0, mag = std::fabs(ref), pure = ref, pure_mag = mag;
      for (int64_t k = 0; k < cols; k++) {
        double term = (double)wd[r * cols + k] * xq[t * cols + k];
        ref += term;
        mag += std::fabs(term);
        double exact = (double)wd[r * cols + k] * x[t * cols + k];
        pure += exact;
        pure_mag += std::fabs(exact);
      }
      double got = y[t * ldy + r];
      bool ok = std::fabs(got - ref) <= 1e-5 * mag + 1e-30;
      // Activation quantization moves each x by at most half a step, 1/254 of its block's max.
      if (quantized(dtype)) ok = ok && std::fabs(got - pure) <= 0.02 * pure_mag;
      // Rounding to bf16 moves each x by at most 2^-9 of itself.
      if (bf16_act) ok = ok && std::fabs(got - pure) <= 0.004 * pure_mag;
      if (!ok) {
        std::fprintf(stderr, "  %s dtype %d rows %lld cols %lld T %lld bias %d threads %d: y[%lld][%lld] = %.9g, "
                     "want %.9g (sum |terms| %.3g)\n", ember_isa(), dtype, (long long)rows, (long long)cols,
                     (long long)T, with_bias, threads, (long long)t, (long long)r, got, ref, mag);
        return false;
      }
    }
  }
  return true;
}

void check_all_shapes(int32_t dtype) {
  const int64_t row_sizes[] = {1, 3, 17, 33, 67};
  std::vector<int64_t> col_sizes = {32, 96, 160, 1056};
  // Float rows of over 2,048 values take the T = 1 kernel that reads four rows at a time (shorter
  // ones stream one row at a time); 2,085 also leaves a tail.
  if (!quantized(dtype)) col_sizes.insert(col_sizes.end(), {1, 7, 33, 100, 2085});
  // 16 and up: bf16 tiles where a variant has them (groups of 12 rows: 17 and 29 end in part of one).
  const int64_t t_sizes[] = {1, 2, 3, 5, 9, 16, 17, 29};
  ThreadPool pools[3] = {ThreadPool(1), ThreadPool(2), ThreadPool(3)};
  for (Isa isa : kAllIsas) {
    if (!isa_supported(isa)) continue;
    force_isa(isa);
    Rng rng{(uint64_t)dtype * 7919 + 1};
    int n = 0;
    for (int64_t rows : row_sizes) {
      for (int64_t cols : col_sizes) {
        for (int64_t T : t_sizes) {
          n++;
          if (!check_case(pools[n % 3], dtype, rows, cols, T, n % 2 == 0, rng)) {
            ember_test::failures++;
            break;
          }
        }
      }
    }
  }
  force_isa(detected_isa());
}

}  // namespace

TEST(linear_q8_0_matches_reference_in_every_variant) { check_all_shapes(EMBER_Q8_0); }
TEST(linear_q4_0_matches_reference_in_every_variant) { check_all_shapes(EMBER_Q4_0); }
TEST(linear_f32_matches_reference_in_every_variant) { check_all_shapes(EMBER_F32); }
TEST(linear_f16_matches_reference_in_every_variant) { check_all_shapes(EMBER_F16); }
TEST(linear_bf16_matches_reference_in_every_variant) { check_all_shapes(EMBER_BF16); }

// Every variant's activation quantizer gives bit for bit what the portable block formula gives: the
// same int8 values, scales and sums, including values that land exactly halfway between two steps
// (rounded away from zero), all-zero blocks and blocks whose largest value is negative.
TEST(quantize_act_matches_portable_formula_in_every_variant) {
  const int64_t blocks = 37;
  std::vector<float> x(blocks * kBlockValues);
  Rng rng{4242};
  for (auto& v : x) v = rng.next() * 5.0f;
  for (int j = 0; j < kBlockValues; j++) x[kBlockValues + j] = 0.0f;  // block 1: all zero
  for (int j = 0; j < kBlockValues; j++) {  // block 2: max |x| = 127, so id = 1 and +-k.5 are exact ties
    x[2 * kBlockValues + j] = j == 0 ? -127.0f : (float)(j - 16) + (j % 2 ? 0.5f : -0.5f);
  }
  x[3 * kBlockValues + 5] = -40.0f;  // block 3: the largest magnitude is negative
  std::vector<int8_t> want_q(x.size()), got_q(x.size());
  std::vector<float> want_d(blocks), got_d(blocks);
  std::vector<int32_t> want_sum(blocks), got_sum(blocks);
  for (int64_t b = 0; b < blocks; b++) {
    quantize_act_block(&x[b * kBlockValues], &want_q[b * kBlockValues], &want_d[b], &want_sum[b]);
  }
  for (Isa isa : kAllIsas) {
    if (!isa_supported(isa)) continue;
    for (int64_t n : {(int64_t)1, (int64_t)2, blocks}) {  // odd counts cover any block-pair loop's tail
      std::fill(got_q.begin(), got_q.end(), (int8_t)99);
      kernels_for(isa).quantize_act(x.data(), n, got_q.data(), got_d.data(), got_sum.data());
      bool same = std::memcmp(got_q.data(), want_q.data(), n * kBlockValues) == 0 &&
                  std::memcmp(got_d.data(), want_d.data(), n * sizeof(float)) == 0 &&
                  std::memcmp(got_sum.data(), want_sum.data(), n * sizeof(int32_t)) == 0;
      if (!same) std::fprintf(stderr, "  %s: quantize_act of %lld blocks differs\n", isa_name(isa), (long long)n);
      CHECK(same);
    }
  }
}

// A group over one input (mixed dtypes and row counts, biases on some) gives bit for bit what one
// linear() call per weight gives, in every variant, for decode and prefill sizes and several pools.
TEST(linear_group_equals_one_linear_per_weight) {
  const int64_t cols = 96;
  const int32_t dtypes[3] = {EMBER_Q8_0, EMBER_Q4_0, EMBER_F16};
  const int64_t rows[3] = {67, 16, 33};
  ThreadPool pools[2] = {ThreadPool(1), ThreadPool(3)};
  for (Isa isa : kAllIsas) {
    if (!isa_supported(isa)) continue;
    force_isa(isa);
    Rng rng{17};
    std::vector<std::vector<uint8_t>> w(3);
    std::vector<float> bias(67);
    for (auto& v : bias) v = rng.next();
    for (int i = 0; i < 3; i++) {
      std::vector<float> wf(rows[i] * cols);
      for (auto& v : wf) v = rng.next();
      w[i].resize(ember_dtype_bytes(dtypes[i], rows[i] * cols));
      convert(pools[0], wf.data(), EMBER_F32, w[i].data(), dtypes[i], rows[i] * cols);
    }
    for (int64_t T : {1, 2, 9, 40}) {
      std::vector<float> x(T * cols);
      for (auto& v : x) v = rng.next() * 3.0f;
      AlignedBuf scratch(linear_scratch_bytes(EMBER_Q8_0, T, cols));
      for (ThreadPool& pool : pools) {
        for (int n : {1, 2, 3}) {  // a group of 1 is plain linear(); 2 and 3 share the quantized input
          Tensor t[3];
          LinearOut outs[3];
          std::vector<std::vector<float>> got(3), want(3);
          for (int i = 0; i < n; i++) {
            t[i] = Tensor{w[i].data(), dtypes[i], rows[i], cols};
            const int64_t ldy = rows[i] + i;
            got[i].assign(T * ldy, NAN);
            want[i].assign(T * ldy, NAN);
            const float* b = i == 1 ? nullptr : bias.data();
            outs[i] = LinearOut{&t[i], got[i].data(), ldy, b};
            linear(pool, t[i], x.data(), T, want[i].data(), ldy, b, scratch.p);
          }
          linear_group(pool, outs, n, x.data(), T, scratch.p);
          for (int i = 0; i < n; i++) {
            for (int64_t tt = 0; tt < T; tt++) {
              for (int64_t r = 0; r < rows[i]; r++) {
                const int64_t at = tt * outs[i].ldy + r;
                if (std::memcmp(&got[i][at], &want[i][at], 4) != 0) {
                  std::fprintf(stderr, "  %s group of %d, weight %d, T %lld, threads %d: y[%lld][%lld] = %.9g, want %.9g\n",
                               ember_isa(), n, i, (long long)T, pool.size(), (long long)tt, (long long)r,
                               got[i][at], want[i][at]);
                  ember_test::failures++;
                  force_isa(detected_isa());
                  return;
                }
              }
            }
          }
        }
      }
    }
  }
  force_isa(detected_isa());
}

TEST(isa_names_round_trip_and_force_reports_unsupported) {
  for (Isa isa : kAllIsas) {
    Isa back;
    CHECK(isa_from_name(isa_name(isa), &back) && back == isa);
    CHECK((ember_force_isa(isa_name(isa)) == 0) == isa_supported(isa));
  }
  CHECK(ember_force_isa("sse9") < 0);
  CHECK(isa_supported(detected_isa()));
  force_isa(detected_isa());
  CHECK(std::string_view(ember_isa()) == isa_name(detected_isa()));
}

TEST(read_bandwidth_is_positive) {
  CHECK(ember_read_bandwidth_gbs(1 << 20, 2) > 0);
  CHECK(ember_read_bandwidth_gbs(16, 1) < 0);
}

// Each variant's probe of each kind runs on this CPU (avx2-vnni, avx512-bf16 and neon-mmla have
// probes of their own) and reports a rate.
TEST(peak_probes_of_every_variant_report_a_rate) {
  for (Isa isa : kAllIsas) {
    if (!isa_supported(isa)) continue;
    force_isa(isa);
    for (int32_t kind = 0; kind <= 2; kind++) {
      const double gops = ember_peak_gops(kind, kind == 1 ? 2 : 1);
      if (!(gops > 0 && std::isfinite(gops))) {
        std::fprintf(stderr, "  %s kind %d: %g G-ops/s\n", isa_name(isa), kind, gops);
        ember_test::failures++;
      }
    }
  }
  force_isa(detected_isa());
}

// Panel weights keep their kernels when another variant is forced after packing (a model built
// under avx512-bf16, then --isa avx2): the product still matches the row-major one.
TEST(panel_weights_multiply_right_under_a_variant_forced_later) {
  const int64_t rows = 48, cols = 256, T = 5;
  ThreadPool pool(2);
  Rng rng{99};
  std::vector<float> wf(rows * cols), x(T * cols);
  for (auto& v : wf) v = rng.next();
  for (auto& v : x) v = rng.next();
  for (int32_t dtype : {EMBER_Q8_0, EMBER_Q4_0}) {
    std::vector<uint8_t> w(ember_dtype_bytes(dtype, rows * cols));
    convert(pool, wf.data(), EMBER_F32, w.data(), dtype, rows * cols);
    const Tensor rows_w{w.data(), dtype, rows, cols};
    const int64_t packed = panel_layout_bytes(rows_w);
    if (packed == 0) continue;  // this variant has no panel layout
    AlignedBuf panels(packed), scratch(linear_scratch_bytes(dtype, T, cols));
    const Tensor pw = pack_panels(pool, rows_w, panels.p);
    std::vector<float> want(T * rows), got(T * rows);
    linear(pool, rows_w, x.data(), T, want.data(), rows, nullptr, scratch.p);
    for (Isa isa : kAllIsas) {
      if (!isa_supported(isa)) continue;
      force_isa(isa);
      std::fill(got.begin(), got.end(), NAN);
      linear(pool, pw, x.data(), T, got.data(), rows, nullptr, scratch.p);
      CHECK(std::memcmp(want.data(), got.data(), want.size() * sizeof(float)) == 0);
    }
    force_isa(detected_isa());
  }
}
