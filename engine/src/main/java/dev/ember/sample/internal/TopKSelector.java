package dev.ember.sample.internal;

/**
 * Selects the k largest values of a float row without sorting it: a bounded min-heap of ids is
 * filled with the first k ids and then only replaced when a larger value arrives, so a step costs
 * one comparison per vocabulary entry plus O(log k) per replacement. Ranking is by value
 * descending, then id ascending (among equal values the lower id ranks higher).
 *
 * <pre>{@code
 * int n = TopKSelector.select(logits, offset, vocab, 50, ids); // ids[0..n) unordered
 * TopKSelector.sortByRank(logits, offset, ids, n);              // now best first
 * }</pre>
 */
public final class TopKSelector {
  private TopKSelector() {}

  /**
   * Writes the ids of the {@code k} highest-ranked entries of {@code row[offset, offset + length)}
   * into {@code ids[0, n)} in heap order and returns {@code n = min(k, length)}.
   */
  public static int select(float[] row, int offset, int length, int k, int[] ids) {
    int n = Math.min(k, length);
    if (n <= 0) {
      return 0;
    }
    for (int i = 0; i < n; i++) {
      ids[i] = i;
    }
    for (int i = n / 2 - 1; i >= 0; i--) {
      siftDown(row, offset, ids, n, i);
    }
    float rootValue = row[offset + ids[0]];
    for (int id = n; id < length; id++) {
      float v = row[offset + id];
      // A later id only displaces the root with a strictly larger value: equal values keep the lower id.
      if (v > rootValue) {
        ids[0] = id;
        siftDown(row, offset, ids, n, 0);
        rootValue = row[offset + ids[0]];
      }
    }
    return n;
  }

  /** Sorts {@code ids[0, n)} best first (value descending, id ascending); meant for small n. */
  public static void sortByRank(float[] row, int offset, int[] ids, int n) {
    for (int i = 1; i < n; i++) {
      int id = ids[i];
      int j = i - 1;
      while (j >= 0 && ranksBelow(row, offset, ids[j], id)) {
        ids[j + 1] = ids[j];
        j--;
      }
      ids[j + 1] = id;
    }
  }

  /** Whether {@code a} ranks strictly below {@code b}. */
  static boolean ranksBelow(float[] row, int offset, int a, int b) {
    float va = row[offset + a];
    float vb = row[offset + b];
    return va < vb || (va == vb && a > b);
  }

  private static void siftDown(float[] row, int offset, int[] heap, int n, int i) {
    int id = heap[i];
    while (true) {
      int child = 2 * i + 1;
      if (child >= n) {
        break;
      }
      if (child + 1 < n && ranksBelow(row, offset, heap[child + 1], heap[child])) {
        child++;
      }
      if (!ranksBelow(row, offset, heap[child], id)) {
        break;
      }
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = id;
  }
}
