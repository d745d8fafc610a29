// Minimal C++ test harness for the kernel tests (no dependencies, runs under qemu too).
//
//   TEST(rms_norm_matches_reference) { CHECK_NEAR(a, b, 1e-5); }
//
// Each TEST registers itself; test_main.cpp runs them all (or those whose name contains
// argv[1]) and exits non-zero when any check failed.
#pragma once

#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

namespace ember_test {

struct Case {
  const char* name;
  void (*fn)();
};

std::vector<Case>& registry();
extern int failures;

struct Register {
  Register(const char* name, void (*fn)()) { registry().push_back({name, fn}); }
};

}  // namespace ember_test

#define TEST(name)                                                   \
  static void test_##name();                                         \
  static ember_test::Register register_##name(#name, &test_##name);  \
  static void test_##name()

#define CHECK(cond)                                                                  \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ember_test::failures++;                                                        \
    }                                                                                \
  } while (0)

// |a - b| <= tol * max(1, |b|): relative for large values, absolute near zero.
#define CHECK_NEAR(a, b, tol)                                                                    \
  do {                                                                                           \
    double a_ = (a), b_ = (b), t_ = (tol) * (std::fabs(b_) > 1 ? std::fabs(b_) : 1.0);           \
    if (!(std::fabs(a_ - b_) <= t_)) {                                                           \
      std::fprintf(stderr, "  %s:%d: %s = %.9g, want %s = %.9g (tol %.3g)\n", __FILE__, __LINE__, \
                   #a, a_, #b, b_, t_);                                                          \
      ember_test::failures++;                                                                    \
    }                                                                                            \
  } while (0)
