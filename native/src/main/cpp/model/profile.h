// Time per op class spent in Model::forward, for benchmarks (off unless enabled).
//
//   m->profile().enabled = true; ... forward ...; m->profile().ns[Profile::Attention]
#pragma once

#include <chrono>
#include <cstdint>

namespace ember {

struct Profile {
  enum Op { Embed, Norm, Linear, Rope, KvWrite, Attention, Swiglu, LmHead, kCount };
  static const char* name(int op) {
    static const char* names[] = {"embed", "norm", "linear", "rope", "kv_write", "attention", "swiglu", "lm_head"};
    return names[op];
  }

  bool enabled = false;
  int64_t ns[kCount] = {};

  // Adds the time since the last mark to op (when enabled).
  void mark(Op op) {
    if (!enabled) return;
    auto now = std::chrono::steady_clock::now();
    ns[op] += std::chrono::duration_cast<std::chrono::nanoseconds>(now - last).count();
    last = now;
  }
  void start() {
    if (enabled) last = std::chrono::steady_clock::now();
  }
  void reset() {
    for (auto& n : ns) n = 0;
  }

 private:
  std::chrono::steady_clock::time_point last;
};

}  // namespace ember
