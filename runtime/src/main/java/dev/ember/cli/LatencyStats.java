package dev.ember.cli;

import java.util.Arrays;

/** Percentiles of a set of durations in nanoseconds (nearest-rank), printed in milliseconds. */
final class LatencyStats {
  private long[] values = new long[256];
  private int size;

  synchronized void add(long nanos) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = nanos;
  }

  synchronized int count() {
    return size;
  }

  /** The p-th percentile (0..100) in milliseconds, or NaN when empty. */
  synchronized double percentileMs(double p) {
    if (size == 0) {
      return Double.NaN;
    }
    long[] s = Arrays.copyOf(values, size);
    Arrays.sort(s);
    int rank = (int) Math.ceil(p / 100.0 * size);
    return s[Math.max(0, Math.min(size - 1, rank - 1))] / 1e6;
  }

  synchronized double meanMs() {
    if (size == 0) {
      return Double.NaN;
    }
    double sum = 0;
    for (int i = 0; i < size; i++) {
      sum += values[i];
    }
    return sum / size / 1e6;
  }
}
