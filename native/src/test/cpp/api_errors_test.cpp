// The C API never lets a C++ exception out (the JVM calls it without an exception wrapper):
// allocation failures come back as EMBER_ERR_OUT_OF_MEMORY / NULL with ember_last_error() set.
//
// This test binary replaces the global operator new so allocation failures are forced, not hoped
// for: any single request over kAllocationCap bytes fails (as under a memory limit, whatever the
// kernel's overcommit policy), and fail_allocations makes every request fail.
#include <atomic>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <new>

#include "ember.h"
#include "test.h"
#include "tiny_model.h"

namespace {
constexpr std::size_t kAllocationCap = std::size_t(64) << 30;
std::atomic<bool> fail_allocations{false};

// Makes every operator new in this thread's calls fail while alive.
struct FailAllocations {
  FailAllocations() { fail_allocations.store(true); }
  ~FailAllocations() { fail_allocations.store(false); }
};

bool contains(const char* text, const char* part) { return text != nullptr && std::strstr(text, part) != nullptr; }
}  // namespace

void* operator new(std::size_t n) {
  if (n > kAllocationCap || fail_allocations.load(std::memory_order_relaxed)) throw std::bad_alloc();
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

TEST(model_new_with_an_absurd_layer_count_reports_out_of_memory) {
  ember_config c = ember_test::tiny_config();
  c.num_layers = INT32_MAX;  // ~800 GB of per-layer tensor slots
  ember_model* m = ember_model_new(&c, "cpu", 1, 16);
  CHECK(m == nullptr);
  CHECK(contains(ember_last_error(), "ember_model_new: out of memory"));
  if (m != nullptr) ember_model_free(m);
}

TEST(set_tensor_that_cannot_allocate_returns_the_out_of_memory_code) {
  ember_config c = ember_test::tiny_config();
  ember_model* m = ember_model_new(&c, "cpu", 1, 16);
  CHECK(m != nullptr);
  if (m == nullptr) return;
  float norm[4096];
  for (int i = 0; i < c.hidden_size; i++) norm[i] = 1.0f;
  int rc;
  {
    FailAllocations failing;
    rc = ember_model_set_tensor(m, EMBER_W_FINAL_NORM, 0, norm, EMBER_F32, 1, c.hidden_size);
  }
  CHECK(rc == EMBER_ERR_OUT_OF_MEMORY);
  CHECK(contains(ember_last_error(), "ember_model_set_tensor: out of memory"));
  // The model is still usable once memory is back.
  CHECK(ember_model_set_tensor(m, EMBER_W_FINAL_NORM, 0, norm, EMBER_F32, 1, c.hidden_size) == 0);
  ember_model_free(m);
}

TEST(kv_new_that_cannot_allocate_returns_null) {
  ember_config c = ember_test::tiny_config();
  ember_model* m = ember_model_new(&c, "cpu", 1, 16);
  CHECK(m != nullptr);
  if (m == nullptr) return;
  ember_kv* kv;
  {
    FailAllocations failing;
    kv = ember_kv_new(m, 8, 16, EMBER_F32);
  }
  CHECK(kv == nullptr);
  CHECK(contains(ember_last_error(), "ember_kv_new: out of memory"));
  ember_model_free(m);
}
