// Deterministic random numbers for the kernel tests (xorshift; the same on every platform).
//
//   Random rng(7); float x = rng.uniform(-1, 1); rng.fill(vec, -0.5f, 0.5f);
#pragma once

#include <cstdint>
#include <vector>

namespace ember_test {

class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  float uniform(float lo, float hi) { return lo + (hi - lo) * (float)((next() >> 40) * (1.0 / (1ull << 24))); }
  int below(int n) { return (int)(next() % (uint64_t)n); }
  void fill(std::vector<float>& v, float lo, float hi) {
    for (float& x : v) x = uniform(lo, hi);
  }

 private:
  uint64_t state_;
};

}  // namespace ember_test
