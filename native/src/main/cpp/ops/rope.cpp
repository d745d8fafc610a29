// Rotary position embedding: frequencies (with llama3 scaling), per-position angles, rotation.
#include <cmath>

#include "ember.h"
#include "ops/ops.h"

namespace ember {

void rope_inv_freq(const RopeConfig& c, float* inv_freq) {
  const double pi = 3.14159265358979323846;
  int32_t half = c.head_dim / 2;
  for (int32_t i = 0; i < half; i++) {
    // HF: 1 / theta^(2i/d) in f32.
    double freq = 1.0 / std::pow((double)c.theta, (double)(2 * i) / (double)c.head_dim);
    if (c.scaling == EMBER_ROPE_SCALING_LLAMA3) {
      double orig = (double)c.original_max_position;
      double low_wavelen = orig / c.low_freq_factor, high_wavelen = orig / c.high_freq_factor;
      double wavelen = 2 * pi / freq;
      if (wavelen > low_wavelen) {
        freq = freq / c.factor;
      } else if (wavelen >= high_wavelen) {
        double smooth = (orig / wavelen - c.low_freq_factor) / (c.high_freq_factor - c.low_freq_factor);
        freq = (1 - smooth) * freq / c.factor + smooth * freq;
      }
    }
    inv_freq[i] = (float)freq;
  }
}

void rope_angles(const float* inv_freq, int32_t half, int32_t position, float* cs) {
  for (int32_t i = 0; i < half; i++) {
    // The angle is rounded to f32 as HF does (position * inv_freq in f32), then cos/sin exactly.
    double angle = (double)((float)position * inv_freq[i]);
    cs[i] = (float)std::cos(angle);
    cs[half + i] = (float)std::sin(angle);
  }
}

void rope_apply(float* x, int32_t heads, int32_t head_dim, int32_t style, const float* cs) {
  int32_t half = head_dim / 2;
  const float* c = cs;
  const float* s = cs + half;
  for (int32_t h = 0; h < heads; h++) {
    float* v = x + (int64_t)h * head_dim;
    if (style == EMBER_ROPE_NEOX) {
      for (int32_t i = 0; i < half; i++) {
        float a = v[i], b = v[i + half];
        v[i] = a * c[i] - b * s[i];
        v[i + half] = b * c[i] + a * s[i];
      }
    } else {
      for (int32_t i = 0; i < half; i++) {
        float a = v[2 * i], b = v[2 * i + 1];
        v[2 * i] = a * c[i] - b * s[i];
        v[2 * i + 1] = b * c[i] + a * s[i];
      }
    }
  }
}

}  // namespace ember
