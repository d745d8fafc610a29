#include "backend/shared_panels.h"

#include <sys/mman.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <tuple>

#include "ember.h"

namespace ember {

namespace {

using Key = std::tuple<const void*, int32_t, int64_t, int64_t>;

struct Entry {
  void* packed;
  int64_t holds;
};

std::mutex mu;
std::map<Key, Entry> copies;

constexpr int64_t kHugePage = 2 << 20;

}  // namespace

void* panel_alloc(int64_t bytes) {
  // The counted allocation, over-sized to hold a 2 MiB boundary and, just below it, its own start.
  char* base = (char*)ember_alloc(bytes + kHugePage + 64);
  if (base == nullptr) return nullptr;
  char* p = (char*)(((uintptr_t)base + 64 + kHugePage - 1) & ~(uintptr_t)(kHugePage - 1));
  ((char**)p)[-1] = base;
  // Advice only: a kernel without transparent huge pages leaves 4 KiB pages, which work the same.
  madvise(p, (size_t)((bytes + kHugePage - 1) / kHugePage * kHugePage), MADV_HUGEPAGE);
  return p;
}

void panel_free(void* p) {
  if (p != nullptr) ember_free(((char**)p)[-1]);
}

const void* SharedPanels::acquire(const Tensor& host, int64_t bytes, const std::function<void(void*)>& pack) {
  // Held while packing: a second context asking for the same matrix waits for the first copy.
  std::lock_guard<std::mutex> lock(mu);
  const Key key{host.data, host.dtype, host.rows, host.cols};
  auto it = copies.find(key);
  if (it != copies.end()) {
    it->second.holds++;
    return it->second.packed;
  }
  void* p = panel_alloc(bytes);
  if (p == nullptr) return nullptr;
  try {
    pack(p);
    copies.emplace(key, Entry{p, 1});
  } catch (...) {
    panel_free(p);
    throw;
  }
  return p;
}

void SharedPanels::release(const void* packed) {
  std::lock_guard<std::mutex> lock(mu);
  for (auto it = copies.begin(); it != copies.end(); ++it) {
    if (it->second.packed != packed) continue;
    if (--it->second.holds == 0) {
      panel_free(it->second.packed);
      copies.erase(it);
    }
    return;
  }
}

int64_t SharedPanels::count() {
  std::lock_guard<std::mutex> lock(mu);
  return (int64_t)copies.size();
}

}  // namespace ember
