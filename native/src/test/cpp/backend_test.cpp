// The backend seam: device selection by name, and the forward running only through the
// Backend's ops (a counting decorator over the CPU backend gives the same logits as the model
// built through the C API, with the op counts of one Llama/Qwen2 forward).
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "backend/cpu_backend.h"
#include "backend/shared_panels.h"
#include "ember.h"
#include "model/model.h"
#include "test.h"
#include "tiny_model.h"

using namespace ember_test;

namespace {

// Forwards every op to a CPU backend and counts the calls per op.
class CountingBackend final : public ember::Backend {
 public:
  enum Op { Matmul, Embed, Gather, Norm, AddNorm, Angles, Rope, Swiglu, KvWrite, Attention, Stage, Finish, kOps };
  int calls[kOps] = {};
  int64_t device_bytes = 0;

  explicit CountingBackend(int threads) : cpu_(threads) {}
  const char* name() const override { return "cpu"; }
  void* alloc(int64_t bytes) override {
    device_bytes += bytes;
    return cpu_.alloc(bytes);
  }
  void free(void* p) override { cpu_.free(p); }
  void copy_to_device(void* d, const void* s, int64_t n) override { cpu_.copy_to_device(d, s, n); }
  void copy_to_host(void* d, const void* s, int64_t n) override { cpu_.copy_to_host(d, s, n); }
  void copy_on_device(void* d, const void* s, int64_t n) override { cpu_.copy_on_device(d, s, n); }
  int upload_weight(const ember::Tensor& h, ember::WeightUse u, ember::Tensor* d) override { return cpu_.upload_weight(h, u, d); }
  void free_weight(const ember::Tensor& d) override { cpu_.free_weight(d); }
  void synchronize() override {}
  int reserve_matmul(const ember::Tensor& w, int64_t rows) override { return cpu_.reserve_matmul(w, rows); }
  int reserve_attention(int32_t d, int32_t t) override { return cpu_.reserve_attention(d, t); }
  int64_t workspace_bytes() const override { return cpu_.workspace_bytes(); }
  ember::StepInputs stage_step(const ember_step& s) override {
    calls[Stage]++;
    return cpu_.stage_step(s);
  }
  void finish_step(const ember_step& s, const ember::StepInputs& in) override {
    calls[Finish]++;
    cpu_.finish_step(s, in);
  }
  void matmul(const ember::Tensor& w, const float* x, int64_t T, float* y, int64_t ldy, const float* b) override {
    calls[Matmul]++;
    cpu_.matmul(w, x, T, y, ldy, b);
  }
  void embed(const ember::Tensor& w, const int32_t* ids, int64_t n, float* out) override {
    calls[Embed]++;
    cpu_.embed(w, ids, n, out);
  }
  void gather_rows(const float* x, const int32_t* rows, int64_t n, int64_t width, float* out) override {
    calls[Gather]++;
    cpu_.gather_rows(x, rows, n, width, out);
  }
  void rms_norm(const float* x, const float* w, int64_t T, int64_t n, float eps, float* out) override {
    calls[Norm]++;
    cpu_.rms_norm(x, w, T, n, eps, out);
  }
  void add_rms_norm(float* x, const float* d, const float* w, int64_t T, int64_t n, float eps, float* out) override {
    calls[AddNorm]++;
    cpu_.add_rms_norm(x, d, w, T, n, eps, out);
  }
  void rope_angles(const float* f, int32_t half, const int32_t* pos, int32_t T, float* cs) override {
    calls[Angles]++;
    cpu_.rope_angles(f, half, pos, T, cs);
  }
  void rope(float* x, int32_t T, int32_t heads, int32_t d, int32_t style, const float* cs) override {
    calls[Rope]++;
    cpu_.rope(x, T, heads, d, style, cs);
  }
  void swiglu(float* g, const float* u, int64_t T, int64_t n) override {
    calls[Swiglu]++;
    cpu_.swiglu(g, u, T, n);
  }
  void kv_write(const ember::KvLayer& l, const ember::StepView& s, const float* k, const float* v,
                int64_t ld) override {
    calls[KvWrite]++;
    cpu_.kv_write(l, s, k, v, ld);
  }
  void attention(const ember::KvLayer& l, const ember::StepView& s, int32_t heads, const float* q,
                 float* out) override {
    calls[Attention]++;
    cpu_.attention(l, s, heads, q, out);
  }

 private:
  ember::CpuBackend cpu_;
};

std::vector<int32_t> tokens(int n, int vocab) {
  std::vector<int32_t> t(n);
  for (int i = 0; i < n; i++) t[i] = (i * 37 + 11) % vocab;
  return t;
}

}  // namespace

TEST(model_new_runs_on_cpu_and_names_its_device) {
  ember_config c = tiny_config();
  ember_model* m = ember_model_new(&c, "cpu", 1, 8);
  CHECK(m != nullptr);
  CHECK(std::string(ember_model_device(m)) == "cpu");
  ember_model_free(m);
  m = ember_model_new(&c, nullptr, 1, 8);
  CHECK(m != nullptr);
  CHECK(std::string(ember_model_device(m)) == "cpu");
  ember_model_free(m);
}

TEST(model_new_on_an_unknown_device_fails_with_backend_not_available) {
  ember_config c = tiny_config();
  for (const char* device : {"cuda", "ascend:0", "", "CPU"}) {
    CHECK(ember_model_new(&c, device, 1, 8) == nullptr);
    CHECK(ember_last_error_code() == EMBER_ERR_BACKEND_UNAVAILABLE);
    CHECK(std::string(ember_last_error()).find("backend not available") != std::string::npos);
    CHECK(std::string(ember_last_error()).find(std::string("'") + device + "'") != std::string::npos);
  }
  // A bad config is reported as such, not as a missing backend.
  c.hidden_size = 0;
  CHECK(ember_model_new(&c, "cpu", 1, 8) == nullptr);
  CHECK(ember_last_error_code() == EMBER_ERR_INVALID);
}

TEST(cpu_backend_keeps_sampling_on_the_host) {
  std::shared_ptr<ember::Backend> cpu = ember::Backend::create("cpu", 1);
  CHECK(!cpu->samples_on_device());
  float logits[4] = {0, 3, 1, 2};
  int32_t id = -1;
  CHECK(cpu->sample(logits, 1, 4, ember::SampleParams{}, &id) != 0);
  CHECK(id == -1);
  CHECK(std::string(ember_last_error()).find("host") != std::string::npos);
}

TEST(forward_runs_only_through_the_backend_ops) {
  const ember_config cfg = tiny_config();
  TinyModel tm(cfg, 21);
  auto counting = std::make_shared<CountingBackend>(2);
  ember_model* watched = tm.fill(reinterpret_cast<ember_model*>(ember::Model::create_on(cfg, counting, 32)));
  ember_model* plain = tm.build(2, 32);
  CHECK(watched != nullptr && plain != nullptr);
  if (watched == nullptr || plain == nullptr) return;
  ember_kv* kv_watched = ember_kv_new(watched, 4, 16, EMBER_F32);
  ember_kv* kv_plain = ember_kv_new(plain, 4, 16, EMBER_F32);
  CHECK(counting->device_bytes > 0);  // activations and the KV cache live in the backend's memory

  const int T = 19, V = cfg.vocab_size, L = cfg.num_layers;
  std::vector<int32_t> ids = tokens(T, V), pos(T), slots(T), qs = {0, T}, ctx = {T}, table = {2, 0};
  for (int t = 0; t < T; t++) pos[t] = t, slots[t] = table[t / 16] * 16 + t % 16;
  std::vector<int32_t> rows = {T - 1, 3};
  std::vector<float> a(2 * V), b(2 * V);
  ember_step s{T, 1, 2, 2, ids.data(), pos.data(), qs.data(), ctx.data(), table.data(), slots.data(), rows.data(),
               a.data()};
  CHECK(ember_forward(watched, kv_watched, &s) == 0);
  s.logits = b.data();
  CHECK(ember_forward(plain, kv_plain, &s) == 0);
  CHECK(a == b);

  const int* n = counting->calls;
  CHECK(n[CountingBackend::Stage] == 1 && n[CountingBackend::Finish] == 1);
  CHECK(n[CountingBackend::Embed] == 1 && n[CountingBackend::Angles] == 1);
  CHECK(n[CountingBackend::Matmul] == 7 * L + 1);  // q k v o gate up down per layer, LM head
  CHECK(n[CountingBackend::Rope] == 2 * L);
  CHECK(n[CountingBackend::KvWrite] == L && n[CountingBackend::Attention] == L);
  CHECK(n[CountingBackend::Swiglu] == L);
  CHECK(n[CountingBackend::AddNorm] == 2 * L);
  CHECK(n[CountingBackend::Norm] == 2);  // first layer's input norm, final norm
  CHECK(n[CountingBackend::Gather] == 1);

  // KV blocks read back through the backend equal the ones the plain model wrote.
  const int64_t bytes = ember_kv_block_bytes(&cfg, 16, EMBER_F32);
  std::vector<unsigned char> ka(bytes), kb(bytes);
  CHECK(ember_kv_read_block(kv_watched, 2, ka.data()) == 0);
  CHECK(ember_kv_read_block(kv_plain, 2, kb.data()) == 0);
  CHECK(ka == kb);
  ember_kv_free(kv_watched);
  ember_kv_free(kv_plain);
  ember_model_free(watched);
  ember_model_free(plain);
}

// Uploads reference weights in place; pack_weight packs a Q8_0/Q4_0 matrix once into the variant's
// panel layout and shares the copy between every context that packs the same host matrix (the last
// free_weight frees it); float matrices are not packed. Variants without a panel layout pack nothing.
TEST(cpu_backend_packs_product_weights_once_for_all_contexts) {
  std::vector<uint8_t> host(ember_dtype_bytes(EMBER_Q8_0, 40 * 64));
  for (size_t i = 0; i < host.size(); i++) host[i] = (uint8_t)(i * 37 + 11);
  const ember::Tensor q8{host.data(), EMBER_Q8_0, 40, 64};
  const bool packs = ember::panel_layout_bytes(q8) > 0;
  const int64_t before = ember::SharedPanels::count();
  ember::CpuBackend a(1), b(2);
  ember::Tensor up, pa, pb, f32p;
  CHECK(a.upload_weight(q8, ember::WeightUse::Matmul, &up) == 0);
  CHECK(up.data == host.data() && up.layout == ember::kRowMajor);
  std::vector<float> fw(16 * 64, 0.5f);
  CHECK(a.pack_weight(ember::Tensor{fw.data(), EMBER_F32, 16, 64}, &f32p) == 1);
  if (!packs) {
    CHECK(a.pack_weight(up, &pa) == 1);
    return;
  }
  CHECK(a.pack_weight(up, &pa) == 0);
  CHECK(b.pack_weight(q8, &pb) == 0);
  CHECK(pa.layout == ember::kX86Panels && pa.data != host.data() && pa.data == pb.data);
  CHECK(ember::SharedPanels::count() == before + 1);
  a.free_weight(pa);
  CHECK(ember::SharedPanels::count() == before + 1);
  b.free_weight(pb);
  a.free_weight(up);
  CHECK(ember::SharedPanels::count() == before);
}

// With weights=replicate a context copies each matrix at upload, and packs the ones only products
// read into its copy there and then (pack_weight has nothing left to do).
TEST(cpu_backend_replicating_weights_packs_its_own_copy_at_upload) {
  std::vector<uint8_t> host(ember_dtype_bytes(EMBER_Q4_0, 33 * 96));
  for (size_t i = 0; i < host.size(); i++) host[i] = (uint8_t)(i * 13 + 5);
  const ember::Tensor q4{host.data(), EMBER_Q4_0, 33, 96};
  ember::CpuPlacement placement;
  placement.replicate_weights = true;
  ember::CpuBackend c(1, {}, placement);
  const int64_t before = ember_allocated_bytes();
  ember::Tensor d, rows, again;
  CHECK(c.upload_weight(q4, ember::WeightUse::Matmul, &d) == 0);
  CHECK(c.upload_weight(q4, ember::WeightUse::Rows, &rows) == 0);
  CHECK(d.data != host.data() && rows.data != host.data() && rows.layout == ember::kRowMajor);
  CHECK(std::memcmp(rows.data, host.data(), host.size()) == 0);
  CHECK(d.layout == (ember::panel_layout_bytes(q4) > 0 ? ember::kX86Panels : ember::kRowMajor));
  CHECK(c.pack_weight(d, &again) == 1);
  c.free_weight(d);
  c.free_weight(rows);
  CHECK(ember_allocated_bytes() == before);
}
