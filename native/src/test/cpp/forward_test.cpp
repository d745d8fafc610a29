// The whole forward of a tiny random model: against a double-precision reference, and the
// equivalences the scheduler relies on (batching, chunking, paging), for every kernel variant.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "ember.h"
#include "backend/shared_panels.h"
#include "isa_variants.h"
#include "linear/linear.h"
#include "model/model.h"
#include "test.h"
#include "tiny_model.h"

using namespace ember_test;

namespace {

const int kBlock = 16;

std::vector<int32_t> prompt(int n, uint64_t seed, int vocab) {
  Random rng(seed);
  std::vector<int32_t> t(n);
  for (int32_t& x : t) x = rng.below(vocab);
  return t;
}

// |got - want| within tol relative to the row's largest |want| (logits are compared per row).
void check_rows(const std::vector<float>& got, const std::vector<double>& want, size_t want_offset, int rows,
                int vocab, double tol) {
  CHECK(got.size() >= (size_t)rows * vocab);
  if (got.size() < (size_t)rows * vocab) return;
  for (int r = 0; r < rows; r++) {
    double scale = 1;
    for (int i = 0; i < vocab; i++) scale = std::max(scale, std::fabs(want[want_offset + (size_t)r * vocab + i]));
    for (int i = 0; i < vocab; i++)
      CHECK_NEAR(got[(size_t)r * vocab + i] / scale, want[want_offset + (size_t)r * vocab + i] / scale, tol);
  }
}

void check_same(const std::vector<float>& a, const std::vector<float>& b, size_t b_offset, size_t n, double tol) {
  CHECK(a.size() >= n && b.size() >= b_offset + n);
  if (a.size() < n || b.size() < b_offset + n) return;
  for (size_t i = 0; i < n; i++) CHECK_NEAR(a[i], b[b_offset + i], tol);
}

ember_config gqa7_llama3_config() {
  ember_config c = tiny_config();
  c.num_heads = 7;
  c.num_kv_heads = 1;
  c.rope_style = EMBER_ROPE_INTERLEAVED;
  c.rope_scaling = EMBER_ROPE_SCALING_LLAMA3;
  c.rope_factor = 8;
  c.rope_low_freq_factor = 1;
  c.rope_high_freq_factor = 4;
  c.rope_original_max_position = 64;
  c.rope_theta = 500000;
  c.attention_bias = 0;
  c.tie_word_embeddings = 1;
  return c;
}

// Prefill of a 19-token prompt then 3 decodes, against the reference, f32 cache.
void check_against_reference(const ember_config& cfg, int threads) {
  TinyModel tm(cfg, 5);
  ember_model* m = tm.build(threads, 32);
  CHECK(m != nullptr);
  if (m == nullptr) return;
  ember_kv* kv = ember_kv_new(m, 8, kBlock, EMBER_F32);
  StepDriver d(m, kv, kBlock, cfg.vocab_size, block_order(8, true, 3));
  std::vector<int32_t> toks = prompt(22, 9, cfg.vocab_size);
  std::vector<double> ref = tm.reference(toks);
  Sequence s;
  std::vector<float> got = d.run({{&s, std::vector<int32_t>(toks.begin(), toks.begin() + 19)}});
  check_rows(got, ref, 0, 19, cfg.vocab_size, 1e-4);
  for (int t = 19; t < 22; t++) {
    got = d.run({{&s, {toks[t]}}});
    check_rows(got, ref, (size_t)t * cfg.vocab_size, 1, cfg.vocab_size, 1e-4);
  }
  ember_kv_free(kv);
  ember_model_free(m);
}

}  // namespace

TEST(forward_matches_double_reference_qwen2_style) {
  for_each_isa([](ember::Isa) { check_against_reference(tiny_config(), 3); });
}

TEST(forward_matches_double_reference_gqa7_interleaved_llama3_tied) {
  for_each_isa([](ember::Isa) { check_against_reference(gqa7_llama3_config(), 2); });
}

TEST(forward_with_f16_cache_stays_close_to_reference) {
  TinyModel tm(tiny_config(), 5);
  ember_model* m = tm.build(2, 32);
  ember_kv* kv = ember_kv_new(m, 4, kBlock, EMBER_F16);
  StepDriver d(m, kv, kBlock, 100, block_order(4, false, 0));
  std::vector<int32_t> toks = prompt(21, 4, 100);
  Sequence s;
  check_rows(d.run({{&s, toks}}), tm.reference(toks), 0, 21, 100, 5e-3);
  ember_kv_free(kv);
  ember_model_free(m);
}

TEST(batch_of_prompts_equals_each_prompt_alone) {
  TinyModel tm(tiny_config(), 6);
  ember_model* m = tm.build(3, 64);
  std::vector<std::vector<int32_t>> prompts = {prompt(5, 1, 100), prompt(17, 2, 100), prompt(1, 3, 100)};
  ember_kv* kv = ember_kv_new(m, 16, kBlock, EMBER_F16);
  StepDriver batch(m, kv, kBlock, 100, block_order(16, true, 4));
  Sequence a, b, c;
  std::vector<float> all = batch.run({{&a, prompts[0]}, {&b, prompts[1]}, {&c, prompts[2]}});
  size_t offset = 0;
  for (const auto& p : prompts) {
    ember_kv* kv1 = ember_kv_new(m, 4, kBlock, EMBER_F16);
    StepDriver alone(m, kv1, kBlock, 100, block_order(4, false, 0));
    Sequence s;
    std::vector<float> one = alone.run({{&s, p}});
    check_same(one, all, offset, p.size() * 100, 1e-5);
    offset += p.size() * 100;
    ember_kv_free(kv1);
  }
  // Then a mixed step: two decodes and a prefill chunk continuing sequence c.
  std::vector<float> mixed = batch.run({{&a, {7}}, {&c, {1, 2, 3, 4}}, {&b, {9}}});
  std::vector<int32_t> full_c = prompts[2];
  for (int t : {1, 2, 3, 4}) full_c.push_back(t);
  std::vector<double> ref_c = tm.reference(full_c);
  std::vector<float> c_rows(mixed.begin() + 100, mixed.begin() + 500);
  check_rows(c_rows, ref_c, 100, 4, 100, 5e-3);
  ember_kv_free(kv);
  ember_model_free(m);
}

TEST(prefill_in_chunks_equals_prefill_in_one_step) {
  TinyModel tm(tiny_config(), 7);
  ember_model* m = tm.build(2, 64);
  std::vector<int32_t> toks = prompt(23, 5, 100);
  ember_kv* kv1 = ember_kv_new(m, 4, kBlock, EMBER_F16);
  ember_kv* kv2 = ember_kv_new(m, 4, kBlock, EMBER_F16);
  StepDriver whole(m, kv1, kBlock, 100, block_order(4, false, 0));
  StepDriver parts(m, kv2, kBlock, 100, block_order(4, false, 0));
  Sequence s1, s2;
  std::vector<float> one = whole.run({{&s1, toks}});
  std::vector<float> first = parts.run({{&s2, std::vector<int32_t>(toks.begin(), toks.begin() + 10)}});
  std::vector<float> second = parts.run({{&s2, std::vector<int32_t>(toks.begin() + 10, toks.end())}});
  check_same(first, one, 0, 10 * 100, 1e-5);
  check_same(second, one, 10 * 100, 13 * 100, 1e-5);
  ember_kv_free(kv1);
  ember_kv_free(kv2);
  ember_model_free(m);
}

TEST(scattered_block_tables_equal_contiguous_ones) {
  TinyModel tm(tiny_config(), 8);
  ember_model* m = tm.build(2, 64);
  std::vector<int32_t> toks = prompt(40, 6, 100);
  ember_kv* kv1 = ember_kv_new(m, 9, kBlock, EMBER_F16);
  ember_kv* kv2 = ember_kv_new(m, 9, kBlock, EMBER_F16);
  StepDriver contiguous(m, kv1, kBlock, 100, block_order(9, false, 0));
  StepDriver scattered(m, kv2, kBlock, 100, block_order(9, true, 11));
  Sequence s1, s2;
  std::vector<float> a = contiguous.run({{&s1, toks}}), b = scattered.run({{&s2, toks}});
  check_same(a, b, 0, a.size(), 0);
  a = contiguous.run({{&s1, {3}}});
  b = scattered.run({{&s2, {3}}});
  check_same(a, b, 0, a.size(), 0);
  ember_kv_free(kv1);
  ember_kv_free(kv2);
  ember_model_free(m);
}

TEST(finalize_names_the_missing_or_misshapen_tensor) {
  TinyModel tm(tiny_config(), 9);
  CHECK(tm.build(1, 8, EMBER_W_WK, 1) == nullptr);
  CHECK(std::string(ember_last_error()) == "missing tensor wk of layer 1");
  CHECK(tm.build(1, 8, EMBER_W_BV, 0) == nullptr);
  CHECK(std::string(ember_last_error()) == "missing tensor bv of layer 0");
  CHECK(tm.build(1, 8, EMBER_W_LM_HEAD) == nullptr);
  CHECK(std::string(ember_last_error()) == "missing tensor lm_head");

  ember_config c = tiny_config();
  ember_model* m = ember_model_new(&c, "cpu", 1, 8);
  std::vector<float> w(64 * 100);
  CHECK(ember_model_set_tensor(m, EMBER_W_EMBED, 0, w.data(), EMBER_F32, 64, 100) == 0);
  CHECK(ember_model_finalize(m) != 0);
  CHECK(std::string(ember_last_error()) == "tensor embed has shape [64][100], want [100][64]");
  ember_model_free(m);
}

TEST(forward_rejects_steps_outside_the_cache) {
  TinyModel tm(tiny_config(), 10);
  ember_model* m = tm.build(1, 32);
  ember_kv* kv = ember_kv_new(m, 2, kBlock, EMBER_F16);
  StepDriver d(m, kv, kBlock, 100, {0, 5});
  Sequence s;
  CHECK(d.run({{&s, prompt(20, 1, 100)}}).empty());
  CHECK(std::string(ember_last_error()).find("block_tables[0][1] = 5") != std::string::npos);
  ember_kv_free(kv);
  ember_model_free(m);
}

TEST(model_and_cache_return_all_native_memory) {
  int64_t before = ember_allocated_bytes();
  TinyModel tm(tiny_config(), 11);
  ember_model* m = tm.build(2, 16);
  CHECK(ember_model_scratch_bytes(m) > 0);
  ember_kv* kv = ember_kv_new(m, 4, kBlock, EMBER_F16);
  CHECK(ember_allocated_bytes() == before + ember_model_scratch_bytes(m) + 4 * ember_kv_block_bytes(&tm.config(), kBlock, EMBER_F16));
  ember_kv_free(kv);
  ember_model_free(m);
  CHECK(ember_allocated_bytes() == before);
}

// Q8_0 and Q4_0 models serve from finalize on while their matrices are packed in the background
// (on CPUs with a panel layout); once packed, the next forward takes the panels: a prefill gives
// the same logits to the last bit, a decode step the same within float rounding (another summing
// order), and freeing the model frees the packed copies.
TEST(background_packing_swaps_in_panels_with_the_same_logits) {
  for (int32_t dtype : {EMBER_Q8_0, EMBER_Q4_0}) {
    TinyModel tm(tiny_config(), 21);
    const int64_t copies = ember::SharedPanels::count();
    ember_model* m = tm.build_as(dtype, 2, 32);
    CHECK(m != nullptr);
    std::vector<int32_t> toks = prompt(11, 5, 100);
    auto run = [&](std::vector<float>* decode) {
      ember_kv* kv = ember_kv_new(m, 4, kBlock, EMBER_F16);
      StepDriver d(m, kv, kBlock, 100, block_order(4, false, 0));
      Sequence s;
      std::vector<float> logits = d.run({{&s, toks}});
      *decode = d.run({{&s, {42}}});
      ember_kv_free(kv);
      return logits;
    };
    std::vector<float> decode_before, decode_after;
    std::vector<float> before = run(&decode_before);  // in place, or packed already: equal either way
    CHECK(ember_model_wait_packed(m) == 0);
    std::vector<float> after = run(&decode_after);
    const int matrices = 7 * tiny_config().num_layers + 1;  // seven a layer and the (untied) LM head
    const bool packs = ember::panel_layout_bytes(ember::Tensor{nullptr, dtype, 16, 64}) > 0;
    CHECK(reinterpret_cast<ember::Model*>(m)->packed_matrices() == (packs ? matrices : 0));
    CHECK(before.size() == after.size() && !before.empty());
    CHECK(std::memcmp(before.data(), after.data(), before.size() * sizeof(float)) == 0);
    check_same(decode_before, decode_after, 0, 100, 1e-4);
    CHECK(ember::SharedPanels::count() == copies + (packs ? matrices : 0));
    ember_model_free(m);
    CHECK(ember::SharedPanels::count() == copies);
  }
}
