package dev.ember.sample.internal;

import java.util.Arrays;

/**
 * Top-p (nucleus) selection without sorting the vocabulary: keeps, in rank order (weight
 * descending, id ascending), every token whose preceding mass is still below {@code p * total}, i.e.
 * the smallest prefix whose mass reaches p. Finds the cut with a quickselect over the candidate
 * ids that carries the mass of the part already known to be kept, expected O(n).
 *
 * <pre>{@code
 * int kept = NucleusSelector.keep(weights, ids, 0, n, 0.9 * totalWeight); // ids[0..kept) survive
 * }</pre>
 */
public final class NucleusSelector {
  private static final int SMALL = 24;

  private NucleusSelector() {}

  /**
   * Reorders {@code ids[from, to)} so the kept tokens come first and returns how many are kept.
   *
   * @param weights unnormalized probabilities indexed by token id
   * @param target the mass to reach among these ids: {@code p} times the total weight, less the
   *     weight of tokens outside the range known to rank above all of them
   */
  public static int keep(float[] weights, int[] ids, int from, int to, double target) {
    int lo = from;
    int hi = to;
    double massAbove = 0; // mass of ids[from, lo), all kept
    while (hi - lo > SMALL) {
      float pivot = medianOfThree(weights[ids[lo]], weights[ids[(lo + hi) >>> 1]], weights[ids[hi - 1]]);
      // Three-way partition: [lo, gt) > pivot, [gt, lt) == pivot, [lt, hi) < pivot.
      int gt = lo;
      int lt = hi;
      int i = lo;
      double massHigh = 0;
      while (i < lt) {
        int id = ids[i];
        float w = weights[id];
        if (w > pivot) {
          ids[i++] = ids[gt];
          ids[gt++] = id;
          massHigh += w;
        } else if (w < pivot) {
          ids[i] = ids[--lt];
          ids[lt] = id;
        } else {
          i++;
        }
      }
      if (massAbove + massHigh >= target) {
        hi = gt;
        continue;
      }
      massAbove += massHigh;
      double massEqual = (double) pivot * (lt - gt);
      if (massAbove + massEqual >= target) {
        Arrays.sort(ids, gt, lt); // equal weights rank by id
        return scan(pivot, gt, lt, massAbove, target) - from;
      }
      massAbove += massEqual;
      lo = lt;
    }
    sortByRank(weights, ids, lo, hi);
    for (int i = lo; i < hi; i++) {
      if (massAbove >= target) {
        return i - from;
      }
      massAbove += weights[ids[i]];
    }
    return hi - from;
  }

  private static int scan(float weight, int from, int to, double massAbove, double target) {
    int i = from;
    while (i < to && massAbove < target) {
      massAbove += weight;
      i++;
    }
    return i;
  }

  private static void sortByRank(float[] weights, int[] ids, int from, int to) {
    for (int i = from + 1; i < to; i++) {
      int id = ids[i];
      float w = weights[id];
      int j = i - 1;
      while (j >= from && (weights[ids[j]] < w || (weights[ids[j]] == w && ids[j] > id))) {
        ids[j + 1] = ids[j];
        j--;
      }
      ids[j + 1] = id;
    }
  }

  private static float medianOfThree(float a, float b, float c) {
    return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  }
}
