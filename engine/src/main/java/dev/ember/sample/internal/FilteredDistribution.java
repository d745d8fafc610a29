package dev.ember.sample.internal;

import java.util.Arrays;

/**
 * Draws one token from softmax(logits / T) after top-k, top-p and min-p, in that order, without
 * sorting the vocabulary. Top-k keeps a bounded heap ({@link TopKSelector}); top-p runs on the
 * renormalized top-k distribution through {@link NucleusSelector}, or on the whole one through a
 * mass histogram that narrows the cut to one bucket first; min-p keeps
 * tokens whose probability is at least minP times the top token's, which is the same before or
 * after the other two filters. The draw is inverse-CDF with a uniform supplied by the caller, so it
 * is a pure function of the logits, the parameters and that uniform.
 *
 * <p>Holds scratch arrays of vocabulary size; one instance per thread.
 *
 * <pre>{@code
 * int token = new FilteredDistribution(vocab).draw(row, offset, 1 / 0.7f, 50, 0.9, 0.05f, u);
 * }</pre>
 */
public final class FilteredDistribution {
  /** Histogram buckets: a weight in [0, 1] keyed by its float exponent and 3 mantissa bits. */
  private static final int BUCKET_SHIFT = 20;
  private static final int BUCKETS = (Float.floatToRawIntBits(1f) >>> BUCKET_SHIFT) + 1;
  private final int vocabSize;
  private final float[] weights;   // exp((logit - max) / T) by token id: probability relative to the top token
  private final int[] candidates;  // ids surviving the filters
  private final double[] bucketMass = new double[BUCKETS];

  public FilteredDistribution(int vocabSize) {
    this.vocabSize = vocabSize;
    this.weights = new float[vocabSize];
    this.candidates = new int[vocabSize];
  }

  /**
   * @param invTemperature 1 / T
   * @param topK tokens to keep, or <= 0 (or >= vocabulary size) for all
   * @param topP nucleus mass in (0, 1]; 1 keeps all
   * @param minP relative probability floor in [0, 1]; 0 keeps all
   * @param uniform a uniform draw in [0, 1)
   */
  public int draw(float[] row, int offset, float invTemperature, int topK, double topP, float minP,
      double uniform) {
    if (topK > 0 && topK < vocabSize) {
      int n = TopKSelector.select(row, offset, vocabSize, topK, candidates);
      float max = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        max = Math.max(max, row[offset + candidates[i]]);
      }
      double total = 0;
      for (int i = 0; i < n; i++) {
        int id = candidates[i];
        float w = FastExp.expNonPositive((row[offset + id] - max) * invTemperature);
        weights[id] = w;
        total += w;
      }
      return drawFromCandidates(filter(n, total, topP, minP), uniform);
    }
    float max = Float.NEGATIVE_INFINITY;
    for (int i = offset, end = offset + vocabSize; i < end; i++) {
      max = Math.max(max, row[i]);
    }
    if (topP < 1) {
      return drawFromCandidates(filter(nucleusOfAll(row, offset, max, invTemperature, topP), minP), uniform);
    }
    double total = fillWeights(row, offset, max, invTemperature, minP);
    return drawDense(total, uniform);
  }

  /** Fills {@link #weights}, zeroing those below {@code minP}, and returns their sum. */
  private double fillWeights(float[] row, int offset, float max, float invTemperature, float minP) {
    double total = 0;
    for (int id = 0; id < vocabSize; id++) {
      float w = FastExp.expNonPositive((row[offset + id] - max) * invTemperature);
      if (w < minP) {
        w = 0f;
      }
      weights[id] = w;
      total += w;
    }
    return total;
  }

  /**
   * Top-p over the whole vocabulary in two passes. The first computes the weights and a histogram of
   * their mass by float exponent and top mantissa bits (monotone in the weight), which locates the
   * bucket where the cumulative mass from the top reaches p. The second collects the tokens of the
   * higher buckets, all kept, and of that bucket, resolved exactly by {@link NucleusSelector}.
   * Returns the number of kept ids, in {@code candidates[0, n)}.
   */
  private int nucleusOfAll(float[] row, int offset, float max, float invTemperature, double topP) {
    Arrays.fill(bucketMass, 0);
    double total = 0;
    for (int id = 0; id < vocabSize; id++) {
      float w = FastExp.expNonPositive((row[offset + id] - max) * invTemperature);
      weights[id] = w;
      bucketMass[Float.floatToRawIntBits(w) >>> BUCKET_SHIFT] += w;
      total += w;
    }
    double target = topP * total;
    double above = 0;
    int boundary = bucketMass.length - 1;
    while (boundary > 0 && above + bucketMass[boundary] < target) {
      above += bucketMass[boundary];
      boundary--;
    }
    int kept = 0;
    int boundaryStart = vocabSize;
    for (int id = 0; id < vocabSize; id++) {
      int bucket = Float.floatToRawIntBits(weights[id]) >>> BUCKET_SHIFT;
      if (bucket > boundary) {
        candidates[kept++] = id;
      } else if (bucket == boundary) {
        candidates[--boundaryStart] = id;
      }
    }
    int keptInBoundary = NucleusSelector.keep(weights, candidates, boundaryStart, vocabSize, target - above);
    System.arraycopy(candidates, boundaryStart, candidates, kept, keptInBoundary);
    return kept + keptInBoundary;
  }

  private int filter(int n, double total, double topP, float minP) {
    if (topP < 1) {
      n = NucleusSelector.keep(weights, candidates, 0, n, topP * total);
    }
    return filter(n, minP);
  }

  private int filter(int n, float minP) {
    if (minP > 0) {
      int kept = 0;
      for (int i = 0; i < n; i++) {
        int id = candidates[i];
        if (weights[id] >= minP) {
          candidates[kept++] = id;
        }
      }
      n = kept;
    }
    return n;
  }

  private int drawFromCandidates(int n, double uniform) {
    double total = 0;
    for (int i = 0; i < n; i++) {
      total += weights[candidates[i]];
    }
    double target = uniform * total;
    double cumulative = 0;
    int lastPositive = candidates[0];
    for (int i = 0; i < n; i++) {
      int id = candidates[i];
      float w = weights[id];
      if (w > 0) {
        cumulative += w;
        lastPositive = id;
        if (target < cumulative) {
          return id;
        }
      }
    }
    return lastPositive;
  }

  private int drawDense(double total, double uniform) {
    double target = uniform * total;
    double cumulative = 0;
    int lastPositive = 0;
    for (int id = 0; id < vocabSize; id++) {
      float w = weights[id];
      if (w > 0) {
        cumulative += w;
        lastPositive = id;
        if (target < cumulative) {
          return id;
        }
      }
    }
    return lastPositive;
  }
}
