// NUMA placement of a context's memory: mbind through syscall(2) read back with get_mempolicy
// (MPOL_F_ADDR), a "cpu:<list>;node=N" backend binding what it allocates, a refused bind falling
// back to first touch, and "weights=replicate" giving a model its own copy of the weights that
// computes what the shared weights compute.
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "backend/cpu_backend.h"
#include "backend/numa.h"
#include "ember.h"
#include "test.h"
#include "tiny_model.h"

using namespace ember_test;

namespace {

constexpr int64_t kPage = 4096;
constexpr int kBlock = 16;

// get_mempolicy(MPOL_F_ADDR) straight from the kernel: the policy mode of the page holding p, and
// whether node 0 is in its node mask.
bool policy_of(const void* p, int* mode, bool* node0) {
  unsigned long mask[16] = {};
  int m = -1;
  if (syscall(SYS_get_mempolicy, &m, mask, 1024UL, p, 2UL /* MPOL_F_ADDR */) != 0) return false;
  *mode = m;
  *node0 = (mask[0] & 1UL) != 0;
  return true;
}

// 0 where the kernel answers NUMA policy calls; otherwise the errno every such call gets here
// (ENOSYS under qemu-user, EPERM under a seccomp profile that denies them), which is the case where
// placement falls back to first touch.
int mempolicy_refusal() {
  int m = -1;
  return syscall(SYS_get_mempolicy, &m, nullptr, 0UL, nullptr, 0UL) == 0 ? 0 : errno;
}

int last_allowed_cpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  sched_getaffinity(0, sizeof set, &set);
  int last = 0;
  for (int c = 0; c < CPU_SETSIZE; c++)
    if (CPU_ISSET(c, &set)) last = c;
  return last;
}

struct KeepCallerAffinity {
  cpu_set_t saved;
  KeepCallerAffinity() { sched_getaffinity(0, sizeof saved, &saved); }
  ~KeepCallerAffinity() { sched_setaffinity(0, sizeof saved, &saved); }
};

}  // namespace

TEST(mbind_to_node_0_reads_back_as_preferred_node_0) {
  const int64_t bytes = 64 * kPage;
  void* p = std::aligned_alloc(kPage, bytes);
  CHECK(ember::numa_node_exists(0));
  if (int refused = mempolicy_refusal()) {  // the refusal is reported, nothing else happens
    CHECK(ember::bind_to_node(p, bytes, 0) == refused);
    std::free(p);
    return;
  }
  CHECK(ember::bind_to_node(p, bytes, 0) == 0);
  int mode = -1;
  bool node0 = false;
  CHECK(policy_of((char*)p + 7 * kPage, &mode, &node0));
  CHECK(mode == ember::kMpolPreferred);
  CHECK(node0);
  std::memset(p, 1, bytes);
  int node = -1;
  CHECK(ember::node_of_page((char*)p + 63 * kPage, &node) == 0);
  CHECK(node == 0);
  int m2 = -1, n2 = -1;
  CHECK(ember::memory_policy_of(p, &m2, &n2) == 0);
  CHECK(m2 == ember::kMpolPreferred && n2 == 0);
  std::free(p);
}

TEST(mbind_refuses_a_node_outside_the_range) {
  std::vector<char> buf(4 * kPage);
  CHECK(ember::bind_to_node(buf.data(), (int64_t)buf.size(), ember::kMaxNumaNode + 1) == EINVAL);
  CHECK(!ember::numa_node_exists(ember::kMaxNumaNode + 1));
  CHECK(!ember::numa_node_exists(-1));
}

TEST(a_backend_with_a_node_binds_what_it_allocates_there) {
  KeepCallerAffinity keep;
  std::string device = "cpu:" + std::to_string(last_allowed_cpu()) + ";node=0";
  std::shared_ptr<ember::Backend> b = ember::Backend::create(device.c_str(), 1);
  CHECK(b != nullptr);
  if (b == nullptr) return;
  auto* cpu = static_cast<ember::CpuBackend*>(b.get());
  CHECK(cpu->placement().node == 0);
  const int64_t bytes = 32 * kPage;
  void* p = b->alloc(bytes);
  CHECK(p != nullptr);
  if (int refused = mempolicy_refusal()) {  // first touch instead, the refusal kept for the warning
    CHECK(cpu->bind_error() == refused);
    CHECK(((char*)p)[bytes - 1] == 0);
    b->free(p);
    return;
  }
  CHECK(cpu->bind_error() == 0);
  int mode = -1;
  bool node0 = false;
  CHECK(policy_of((char*)p + 16 * kPage, &mode, &node0));
  CHECK(mode == ember::kMpolPreferred);
  CHECK(node0);
  b->free(p);
}

TEST(a_backend_on_a_missing_node_falls_back_to_first_touch) {
  KeepCallerAffinity keep;
  std::string device = "cpu:" + std::to_string(last_allowed_cpu()) + ";node=1000";
  std::shared_ptr<ember::Backend> b = ember::Backend::create(device.c_str(), 1);
  CHECK(b != nullptr);
  if (b == nullptr) return;
  const int64_t bytes = 8 * kPage;
  char* p = (char*)b->alloc(bytes);
  CHECK(p != nullptr);  // not fatal
  CHECK(static_cast<ember::CpuBackend*>(b.get())->bind_error() == ENODEV);
  int mode = -1;
  bool node0 = false;
  if (mempolicy_refusal() == 0) {
    CHECK(policy_of(p + 4 * kPage, &mode, &node0));
    CHECK(mode == ember::kMpolDefault);
  }
  CHECK(p[bytes - 1] == 0);  // touched (zeroed) by the pinned members all the same
  b->free(p);
}

TEST(bad_device_options_fail_as_invalid_naming_the_option) {
  KeepCallerAffinity keep;
  ember_config c = tiny_config();
  for (const char* bad : {"cpu:0;node=x", "cpu:0;node=", "cpu:0;weights=copy", "cpu:0;", "cpu:0;node=99999"}) {
    CHECK(ember_model_new(&c, bad, 1, 8) == nullptr);
    CHECK(ember_last_error_code() == EMBER_ERR_INVALID);
    CHECK(std::string(ember_last_error()).find(bad) != std::string::npos);
  }
}

TEST(replicated_weights_are_a_copy_that_computes_what_the_shared_weights_compute) {
  KeepCallerAffinity keep;
  ember_config cfg = tiny_config();
  TinyModel tm(cfg, 11);
  std::string shared_device = "cpu:" + std::to_string(last_allowed_cpu());
  std::string replicated_device = shared_device + ";node=0;weights=replicate";
  std::vector<int32_t> toks;
  for (int i = 0; i < 21; i++) toks.push_back((i * 37 + 5) % cfg.vocab_size);

  std::vector<float> logits[2];
  int64_t bytes[2];
  const std::string devices[2] = {shared_device, replicated_device};
  for (int i = 0; i < 2; i++) {
    int64_t before = ember_allocated_bytes();
    ember_model* m = tm.fill(ember_model_new(&cfg, devices[i].c_str(), 1, 32));
    CHECK(m != nullptr);
    if (m == nullptr) return;
    bytes[i] = ember_allocated_bytes() - before;
    ember_kv* kv = ember_kv_new(m, 4, kBlock, EMBER_F32);
    StepDriver d(m, kv, kBlock, cfg.vocab_size, block_order(4, false, 0));
    Sequence s;
    logits[i] = d.run({{&s, toks}});
    ember_kv_free(kv);
    ember_model_free(m);
  }
  // The copy holds at least every matrix of the model (f32 here) on top of what the shared model holds.
  int64_t H = cfg.hidden_size, I = cfg.intermediate_size, V = cfg.vocab_size;
  int64_t QD = (int64_t)cfg.num_heads * cfg.head_dim, KD = (int64_t)cfg.num_kv_heads * cfg.head_dim;
  int64_t per_layer = 2 * QD * H + 2 * KD * H + 3 * I * H;
  int64_t matrices = (V * H * (cfg.tie_word_embeddings ? 1 : 2) + cfg.num_layers * per_layer) * 4;
  CHECK(bytes[1] - bytes[0] >= matrices);
  CHECK(!logits[0].empty() && logits[0].size() == logits[1].size());
  CHECK(logits[0] == logits[1]);
}
