// Row ops and RoPE against double-precision references.
#include <cmath>
#include <vector>

#include "ember.h"
#include "isa_variants.h"
#include "ops/ops.h"
#include "random.h"
#include "test.h"

using ember_test::Random;

TEST(rms_norm_matches_reference) {
  Random rng(1);
  for (int n : {1, 7, 64, 1023}) {
    std::vector<float> x(n), w(n), out(n);
    rng.fill(x, -3, 3);
    rng.fill(w, 0.5f, 1.5f);
    ember::rms_norm_row(x.data(), w.data(), n, 1e-6f, out.data());
    double ss = 0;
    for (float v : x) ss += (double)v * v;
    double r = 1 / std::sqrt(ss / n + 1e-6);
    for (int i = 0; i < n; i++) CHECK_NEAR(out[i], x[i] * r * w[i], 1e-6);
  }
}

TEST(add_rms_norm_adds_residual_then_normalizes_in_place) {
  Random rng(2);
  const int n = 97;
  std::vector<float> x(n), d(n), w(n), expect_x(n);
  rng.fill(x, -2, 2);
  rng.fill(d, -2, 2);
  rng.fill(w, 0.5f, 1.5f);
  double ss = 0;
  for (int i = 0; i < n; i++) {
    expect_x[i] = x[i] + d[i];
    ss += (double)expect_x[i] * expect_x[i];
  }
  double r = 1 / std::sqrt(ss / n + 1e-5);
  ember::add_rms_norm_row(x.data(), d.data(), w.data(), n, 1e-5f, d.data());  // out aliases delta
  for (int i = 0; i < n; i++) {
    CHECK_NEAR(x[i], expect_x[i], 1e-7);
    CHECK_NEAR(d[i], expect_x[i] * r * w[i], 1e-6);
  }
}

TEST(swiglu_is_silu_gate_times_up) {
  Random rng(3);
  const int n = 131;
  std::vector<float> g(n), u(n), g0;
  rng.fill(g, -8, 8);
  rng.fill(u, -2, 2);
  g0 = g;
  ember::swiglu_row(g.data(), u.data(), n);
  for (int i = 0; i < n; i++) CHECK_NEAR(g[i], g0[i] / (1 + std::exp(-(double)g0[i])) * u[i], 1e-6);
}

TEST(swiglu_kernels_of_every_isa_match_reference_on_odd_sizes_and_extremes) {
  Random rng(13);
  ember_test::for_each_isa([&](ember::Isa isa) {
    const ember::RowKernels& k = ember::row_kernels(isa);
    for (int n : {1, 7, 8, 131, 4864}) {
      std::vector<float> g(n), u(n), g0;
      rng.fill(g, -20, 20);
      rng.fill(u, -2, 2);
      if (n > 7) g[0] = -100.f, g[1] = 100.f, g[2] = 0.f, g[3] = -87.5f, g[4] = 88.5f, g[5] = 1e-30f;
      g0 = g;
      k.swiglu(g.data(), u.data(), n);
      for (int i = 0; i < n; i++) {
        const double want = g0[i] / (1 + std::exp(-(double)g0[i])) * u[i];
        // Absolute 1e-30 for the saturated end (exp clamped), relative 1e-6 elsewhere.
        if (std::fabs(want) > 1e-30) CHECK_NEAR(g[i], want, 1e-6);
        else CHECK(std::fabs(g[i]) < 1e-30);
      }
    }
  });
}

static double ref_freq(const ember::RopeConfig& c, int i) {
  double f = std::pow((double)c.theta, -2.0 * i / c.head_dim);
  if (c.scaling != EMBER_ROPE_SCALING_LLAMA3) return f;
  double wavelen = 2 * M_PI / f, orig = c.original_max_position;
  if (wavelen < orig / c.high_freq_factor) return f;
  if (wavelen > orig / c.low_freq_factor) return f / c.factor;
  double smooth = (orig / wavelen - c.low_freq_factor) / (c.high_freq_factor - c.low_freq_factor);
  return (1 - smooth) * f / c.factor + smooth * f;
}

TEST(rope_rotates_neox_and_interleaved_pairs_with_llama3_scaling) {
  Random rng(4);
  for (int style : {EMBER_ROPE_NEOX, EMBER_ROPE_INTERLEAVED}) {
    for (int scaling : {EMBER_ROPE_SCALING_NONE, EMBER_ROPE_SCALING_LLAMA3}) {
      for (int d : {16, 64, 128}) {
        ember::RopeConfig c;
        c.head_dim = d;
        c.style = style;
        c.theta = 500000.f;
        c.scaling = scaling;
        c.factor = 8.f;
        c.low_freq_factor = 1.f;
        c.high_freq_factor = 4.f;
        c.original_max_position = 8192;
        const int heads = 3, half = d / 2, pos = 1237;
        std::vector<float> inv(half), cs(d), x(heads * d), x0;
        ember::rope_inv_freq(c, inv.data());
        for (int i = 0; i < half; i++) CHECK_NEAR(inv[i], ref_freq(c, i), 1e-6);
        rng.fill(x, -1, 1);
        x0 = x;
        ember::rope_angles(inv.data(), half, pos, cs.data());
        ember::rope_apply(x.data(), heads, d, style, cs.data());
        for (int h = 0; h < heads; h++) {
          for (int i = 0; i < half; i++) {
            int a = style == EMBER_ROPE_NEOX ? i : 2 * i, b = style == EMBER_ROPE_NEOX ? i + half : 2 * i + 1;
            double ang = (double)pos * ref_freq(c, i);
            double xa = x0[h * d + a], xb = x0[h * d + b];
            // f32 angle rounding (as HF) allows ~pos * 2^-24 radians of difference.
            CHECK_NEAR(x[h * d + a], xa * std::cos(ang) - xb * std::sin(ang), 2e-4);
            CHECK_NEAR(x[h * d + b], xb * std::cos(ang) + xa * std::sin(ang), 2e-4);
          }
        }
      }
    }
  }
}
