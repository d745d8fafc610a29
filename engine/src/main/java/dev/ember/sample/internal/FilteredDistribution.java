package dev.ember.sample.internal;

/**
 * Draws one token from softmax(logits / T) after top-k, top-p and min-p, in that order, without
 * sorting the vocabulary. Top-k keeps a bounded heap ({@link TopKSelector}); top-p runs on the
 * renormalized top-k distribution (or the whole one) through {@link NucleusSelector}; min-p keeps
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
  private final int vocabSize;
  private final float[] weights;   // exp((logit - max) / T) by token id: probability relative to the top token
  private final int[] candidates;  // ids surviving the filters

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
        float w = (float) Math.exp((row[offset + id] - max) * invTemperature);
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
      double total = fillWeights(row, offset, max, invTemperature, 0f);
      // Tokens below (1 - p) / V of the mass together hold less than 1 - p: none can be in the nucleus.
      float floor = (float) ((1 - topP) * total / vocabSize);
      int n = 0;
      for (int id = 0; id < vocabSize; id++) {
        if (weights[id] >= floor) {
          candidates[n++] = id;
        }
      }
      return drawFromCandidates(filter(n, total, topP, minP), uniform);
    }
    double total = fillWeights(row, offset, max, invTemperature, minP);
    return drawDense(total, uniform);
  }

  /** Fills {@link #weights}, zeroing those below {@code minP}, and returns their sum. */
  private double fillWeights(float[] row, int offset, float max, float invTemperature, float minP) {
    double total = 0;
    for (int id = 0; id < vocabSize; id++) {
      float w = (float) Math.exp((row[offset + id] - max) * invTemperature);
      if (w < minP) {
        w = 0f;
      }
      weights[id] = w;
      total += w;
    }
    return total;
  }

  private int filter(int n, double total, double topP, float minP) {
    if (topP < 1) {
      n = NucleusSelector.keep(weights, candidates, n, topP * total);
    }
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
