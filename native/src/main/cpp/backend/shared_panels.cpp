#include "backend/shared_panels.h"

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

}  // namespace

const void* SharedPanels::acquire(const Tensor& host, int64_t bytes, const std::function<void(void*)>& pack) {
  // Held while packing: a second context asking for the same matrix waits for the first copy.
  std::lock_guard<std::mutex> lock(mu);
  const Key key{host.data, host.dtype, host.rows, host.cols};
  auto it = copies.find(key);
  if (it != copies.end()) {
    it->second.holds++;
    return it->second.packed;
  }
  void* p = ember_alloc(bytes);
  if (p == nullptr) return nullptr;
  try {
    pack(p);
    copies.emplace(key, Entry{p, 1});
  } catch (...) {
    ember_free(p);
    throw;
  }
  return p;
}

void SharedPanels::release(const void* packed) {
  std::lock_guard<std::mutex> lock(mu);
  for (auto it = copies.begin(); it != copies.end(); ++it) {
    if (it->second.packed != packed) continue;
    if (--it->second.holds == 0) {
      ember_free(it->second.packed);
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
