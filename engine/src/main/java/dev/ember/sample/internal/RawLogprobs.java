package dev.ember.sample.internal;

/**
 * Log-softmax of a raw logits row, evaluated only where needed: the log of the normalizer in one
 * pass (max, then the sum of exponentials in double), the chosen token's log-probability and the N
 * best alternatives via {@link TopKSelector}.
 *
 * <pre>{@code
 * double logZ = RawLogprobs.logNormalizer(row, offset, vocab);
 * float lp = (float) (row[offset + token] - logZ);
 * }</pre>
 */
public final class RawLogprobs {
  private RawLogprobs() {}

  /** {@code log(sum(exp(row)))} over {@code row[offset, offset + length)}, computed stably. */
  public static double logNormalizer(float[] row, int offset, int length) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = offset, end = offset + length; i < end; i++) {
      max = Math.max(max, row[i]);
    }
    double sum = 0;
    for (int i = offset, end = offset + length; i < end; i++) {
      sum += FastExp.expNonPositive(row[i] - max);
    }
    return max + Math.log(sum);
  }

  /**
   * Writes the {@code n} most likely ids best first into {@code ids} and their log-probabilities
   * into {@code logprobs}; returns how many were written ({@code min(n, length)}).
   */
  public static int top(float[] row, int offset, int length, double logNormalizer, int n, int[] ids,
      float[] logprobs) {
    int count = TopKSelector.select(row, offset, length, n, ids);
    TopKSelector.sortByRank(row, offset, ids, count);
    for (int i = 0; i < count; i++) {
      logprobs[i] = (float) (row[offset + ids[i]] - logNormalizer);
    }
    return count;
  }
}
