// Attention kernels, KV writes and paged causal GQA attention against double-precision
// references, for every kernel variant this CPU supports.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "core/thread_pool.h"
#include "ember.h"
#include "isa_variants.h"
#include "backend/backend.h"
#include "kv/kv_cache.h"
#include "linear/linear.h"
#include "ops/ops.h"
#include "random.h"
#include "test.h"

using ember::Isa;
using ember_test::for_each_isa;
using ember_test::Random;

static float round_f16(float x) { return ember::f16_to_f32(ember::f32_to_f16(x)); }

static std::shared_ptr<ember::Backend> cpu_backend() { return ember::Backend::create("cpu", 1); }

TEST(attention_kernels_match_reference_on_odd_sizes) {
  Random rng(11);
  for_each_isa([&](Isa isa) {
    const ember::AttentionKernels& k = ember::attention_kernels(isa);
    for (int d : {16, 64, 128, 67}) {
      for (int n : {1, 5, 32}) {
        std::vector<float> q(d), kf(n * d), p(n), acc(d), acc16(d), s(n), s16(n);
        rng.fill(q, -1, 1);
        rng.fill(kf, -1, 1);
        rng.fill(p, 0, 1);
        std::vector<uint16_t> kh(n * d);
        k.to_f16(kf.data(), kh.data(), n * d);
        for (int i = 0; i < n * d; i++) CHECK(kh[i] == ember::f32_to_f16(kf[i]));
        k.scores_f32(q.data(), kf.data(), n, d, s.data());
        k.scores_f16(q.data(), kh.data(), n, d, s16.data());
        std::fill(acc.begin(), acc.end(), 0.5f);
        std::fill(acc16.begin(), acc16.end(), 0.5f);
        k.accumulate_f32(p.data(), kf.data(), n, d, acc.data());
        k.accumulate_f16(p.data(), kh.data(), n, d, acc16.data());
        for (int j = 0; j < n; j++) {
          double r = 0, r16 = 0;
          for (int x = 0; x < d; x++) {
            r += (double)q[x] * kf[j * d + x];
            r16 += (double)q[x] * round_f16(kf[j * d + x]);
          }
          CHECK_NEAR(s[j], r, 1e-5);
          CHECK_NEAR(s16[j], r16, 1e-5);
        }
        for (int x = 0; x < d; x++) {
          double r = 0.5, r16 = 0.5;
          for (int j = 0; j < n; j++) {
            r += (double)p[j] * kf[j * d + x];
            r16 += (double)p[j] * round_f16(kf[j * d + x]);
          }
          CHECK_NEAR(acc[x], r, 1e-5);
          CHECK_NEAR(acc16[x], r16, 1e-5);
        }
      }
    }
  });
}

TEST(exp_scores_kernels_match_reference_online_softmax_tile) {
  Random rng(12);
  for_each_isa([&](Isa isa) {
    const ember::AttentionKernels& k = ember::attention_kernels(isa);
    for (int n : {1, 5, 8, 13, 32}) {
      for (float prev : {-std::numeric_limits<float>::infinity(), -3.f, 40.f}) {
        std::vector<float> s(n), s0;
        rng.fill(s, -60, 60);
        s0 = s;
        const float scale = 0.125f;
        float m = prev;
        const float sum = k.exp_scores(s.data(), n, scale, &m);
        double want_m = prev, want_sum = 0;
        for (float v : s0) want_m = std::max(want_m, (double)(v * scale));
        CHECK(m == (float)want_m);
        for (int j = 0; j < n; j++) {
          const double e = std::exp((double)(s0[j] * scale) - want_m);
          want_sum += e;
          // exp of scores more than 87 below the max is clamped to about 1.6e-38.
          if (e > 1e-37) CHECK_NEAR(s[j], e, 2e-6);
          else CHECK(s[j] < 1e-37);
        }
        CHECK_NEAR(sum, want_sum, 2e-6);
      }
    }
  });
}

namespace {

// One attention scenario: sequences with cached context and new tokens, scattered blocks.
struct Scenario {
  int head_dim, block_size, kv_heads, group, kv_dtype;
  std::vector<int> context;  // per sequence: tokens in the cache after the step
  std::vector<int> fresh;    // per sequence: new tokens (the last ones of its context)
};

void run_scenario(const Scenario& sc, ember::ThreadPool& pool, Random& rng) {
  const int d = sc.head_dim, bs = sc.block_size, heads = sc.kv_heads * sc.group, S = (int)sc.context.size();
  int max_blocks = 0, total_blocks = 0;
  for (int c : sc.context) {
    max_blocks = std::max(max_blocks, (c + bs - 1) / bs);
    total_blocks += (c + bs - 1) / bs;
  }
  ember_config cfg{};
  cfg.num_layers = 1;
  cfg.num_kv_heads = sc.kv_heads;
  cfg.head_dim = d;
  const int num_blocks = total_blocks + 3;
  ember::KvCache* kv = ember::KvCache::create(cpu_backend(), cfg, num_blocks, bs, sc.kv_dtype);
  CHECK(kv != nullptr);
  // Scattered block tables: a shuffled permutation of the pool.
  std::vector<int> perm(num_blocks);
  std::iota(perm.begin(), perm.end(), 0);
  for (int i = num_blocks - 1; i > 0; i--) std::swap(perm[i], perm[rng.below(i + 1)]);
  std::vector<int32_t> tables(S * max_blocks, -1);
  int used = 0;
  for (int s = 0; s < S; s++)
    for (int b = 0; b < (sc.context[s] + bs - 1) / bs; b++) tables[s * max_blocks + b] = perm[used++];

  // Every context position's K/V (written through kv_write, all positions in one pass).
  const int kvd = sc.kv_heads * d;
  std::vector<std::vector<float>> K(S), V(S);
  std::vector<int32_t> all_pos, all_slot, all_start{0};
  std::vector<float> kall, vall;
  for (int s = 0; s < S; s++) {
    K[s].resize(sc.context[s] * kvd);
    V[s].resize(sc.context[s] * kvd);
    rng.fill(K[s], -1, 1);
    rng.fill(V[s], -1, 1);
    for (int p = 0; p < sc.context[s]; p++) {
      all_pos.push_back(p);
      all_slot.push_back(tables[s * max_blocks + p / bs] * bs + p % bs);
    }
    kall.insert(kall.end(), K[s].begin(), K[s].end());
    vall.insert(vall.end(), V[s].begin(), V[s].end());
    all_start.push_back((int32_t)all_pos.size());
  }
  const ember::AttentionKernels& kern = ember::attention_kernels(ember::active_isa());
  ember::StepView fill{(int32_t)all_pos.size(), S, max_blocks, all_pos.data(), all_start.data(), tables.data(),
                       all_slot.data()};
  ember::kv_write(pool, kern, kv->layer(0), fill, kall.data(), vall.data(), kvd);

  // The step: the last fresh[s] tokens of each sequence query the cache.
  std::vector<int32_t> pos, start{0};
  for (int s = 0; s < S; s++) {
    for (int i = sc.context[s] - sc.fresh[s]; i < sc.context[s]; i++) pos.push_back(i);
    start.push_back((int32_t)pos.size());
  }
  const int T = (int)pos.size();
  std::vector<float> q(T * heads * d), out(T * heads * d);
  rng.fill(q, -1, 1);
  std::vector<float> scratch(pool.size() * ember::attention_scratch_floats(d));
  ember::StepView step{T, S, max_blocks, pos.data(), start.data(), tables.data(), nullptr};
  ember::attention(pool, kern, kv->layer(0), step, heads, q.data(), out.data(), scratch.data());

  auto cached = [&](const std::vector<float>& x, int i) { return sc.kv_dtype == EMBER_F16 ? round_f16(x[i]) : x[i]; };
  for (int s = 0; s < S; s++) {
    for (int t = start[s]; t < start[s + 1]; t++) {
      for (int h = 0; h < heads; h++) {
        int kh = h / sc.group, n = pos[t] + 1;
        std::vector<double> w(n);
        double mx = -1e300, sum = 0;
        for (int j = 0; j < n; j++) {
          double dot = 0;
          for (int x = 0; x < d; x++) dot += (double)q[(t * heads + h) * d + x] * cached(K[s], j * kvd + kh * d + x);
          w[j] = dot / std::sqrt((double)d);
          mx = std::max(mx, w[j]);
        }
        for (int j = 0; j < n; j++) sum += (w[j] = std::exp(w[j] - mx));
        for (int x = 0; x < d; x++) {
          double r = 0;
          for (int j = 0; j < n; j++) r += w[j] / sum * cached(V[s], j * kvd + kh * d + x);
          CHECK_NEAR(out[(t * heads + h) * d + x], r, 1e-5);
        }
      }
    }
  }
  delete kv;
}

}  // namespace

TEST(paged_attention_matches_reference_across_geometries) {
  Random rng(12);
  ember::ThreadPool pool(3);
  for_each_isa([&](Isa) {
    for (int kv_dtype : {EMBER_F16, EMBER_F32}) {
      // Decodes, a prefill continuing after cached tokens, a fresh prefill; odd lengths.
      run_scenario({16, 16, 2, 1, kv_dtype, {1, 37, 21}, {1, 1, 21}}, pool, rng);
      run_scenario({64, 16, 1, 7, kv_dtype, {50, 3}, {13, 1}}, pool, rng);
      run_scenario({128, 128, 2, 2, kv_dtype, {131, 9}, {5, 9}}, pool, rng);
      run_scenario({64, 128, 3, 2, kv_dtype, {300}, {1}}, pool, rng);
      // Enough chunks that a task takes all seven heads of a KV head (where a chunk kernel exists),
      // with a one-query last chunk among them.
      run_scenario({64, 16, 2, 7, kv_dtype, {70, 40}, {70, 17}}, pool, rng);
      // A head size that is no multiple of any vector width.
      run_scenario({22, 16, 1, 2, kv_dtype, {45}, {45}}, pool, rng);
    }
  });
}

TEST(kv_blocks_copy_and_round_trip_through_buffers) {
  ember_config cfg{};
  cfg.num_layers = 3;
  cfg.num_kv_heads = 2;
  cfg.head_dim = 16;
  for (int dtype : {EMBER_F16, EMBER_F32}) {
    ember::KvCache* kv = ember::KvCache::create(cpu_backend(), cfg, 4, 16, dtype);
    const int64_t bytes = ember::KvCache::block_bytes(cfg, 16, dtype);
    CHECK(bytes == 3 * 2 * 2 * 16 * 16 * (dtype == EMBER_F16 ? 2 : 4));
    std::vector<unsigned char> a(bytes), b(bytes), c(bytes);
    for (int64_t i = 0; i < bytes; i++) a[i] = (unsigned char)(i * 31 + 7);
    CHECK(kv->write_block(1, a.data()) == 0);
    int32_t src[] = {1}, dst[] = {3};
    CHECK(kv->copy_blocks(src, dst, 1) == 0);
    CHECK(kv->read_block(3, b.data()) == 0);
    CHECK(b == a);
    CHECK(kv->read_block(4, c.data()) != 0);
    // Layer l's K part of block 3 is where the layer view says it is.
    ember::KvLayer l2 = kv->layer(2);
    const int64_t part = ember::KvCache::part_bytes(cfg, 16, dtype);
    CHECK(std::equal(a.begin() + 4 * part, a.begin() + 5 * part, (unsigned char*)l2.k + 3 * part));
    delete kv;
  }
}
