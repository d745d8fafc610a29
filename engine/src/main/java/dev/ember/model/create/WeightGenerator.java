package dev.ember.model.create;

import java.nio.charset.StandardCharsets;

/**
 * Deterministic random weights: value {@code i} of a tensor is a pure function of (seed, tensor
 * name, i) (a counter-based SplitMix64 stream), so any row can be generated directly and HF and
 * GGUF files made with one seed hold the same values. Distributions keep a forward pass sane:
 * matrices uniform with std 0.02, norm weights uniform in [0.9, 1.1], biases uniform with std 0.01.
 *
 * <pre>{@code WeightGenerator g = WeightGenerator.of(seed, name); g.fill(row, 0, cols, rowIndex * cols); }</pre>
 */
public final class WeightGenerator {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;
  private static final float MATRIX_HALF_WIDTH = 0.02f * 1.7320508f;
  private static final float BIAS_HALF_WIDTH = 0.01f * 1.7320508f;
  private static final float NORM_HALF_WIDTH = 0.1f;

  private final long key;
  private final float center;
  private final float halfWidth;

  private WeightGenerator(long key, float center, float halfWidth) {
    this.key = key;
    this.center = center;
    this.halfWidth = halfWidth;
  }

  /** The generator of tensor {@code name} (HF canonical name) under {@code seed}. */
  public static WeightGenerator of(long seed, String name) {
    long h = 0xCBF29CE484222325L;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xFF)) * 0x100000001B3L;
    }
    long key = mix(mix(seed) ^ h);
    if (name.endsWith("norm.weight")) {
      return new WeightGenerator(key, 1.0f, NORM_HALF_WIDTH);
    }
    if (name.endsWith(".bias")) {
      return new WeightGenerator(key, 0.0f, BIAS_HALF_WIDTH);
    }
    return new WeightGenerator(key, 0.0f, MATRIX_HALF_WIDTH);
  }

  /** Writes values {@code first .. first+n-1} of the tensor into {@code dst[offset..]}. */
  public void fill(float[] dst, int offset, int n, long first) {
    long state = key + first * GOLDEN;
    for (int i = 0; i < n; i++) {
      state += GOLDEN;
      float u = (mix(state) >>> 40) * 0x1p-24f;
      dst[offset + i] = center + (2.0f * u - 1.0f) * halfWidth;
    }
  }

  /** All {@code n} values of a small tensor. */
  public float[] values(int n) {
    float[] v = new float[n];
    fill(v, 0, n, 0);
    return v;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
