package dev.ember.sample.internal;

/**
 * A counter-based uniform generator: the value for {@code (seed, step)} is a pure function of both,
 * so the i-th draw of a request is the same whatever order requests are sampled in and whatever
 * else shares the batch. It hashes {@code seed + (step + 1) * golden ratio} with the SplitMix64
 * finalizer (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014).
 *
 * <pre>{@code double u = CounterUniform.uniform(seed, generatedSoFar); // in [0, 1)}</pre>
 */
public final class CounterUniform {
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private CounterUniform() {}

  /** A uniform double in [0, 1) with 53 random bits, determined by {@code seed} and {@code step}. */
  public static double uniform(long seed, long step) {
    return (mix64(seed + (step + 1) * GOLDEN_GAMMA) >>> 11) * 0x1.0p-53;
  }

  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
