package dev.ember.sample.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Top-k and nucleus selection against a full sort, on sizes around the small-range cut-off and with ties. */
class SelectorsTest {

  /** vocabulary size, k or p, and how many distinct values the row draws from (few means many ties). */
  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of(1, 1, 0.5, 100), Arguments.of(7, 3, 0.3, 2), Arguments.of(25, 24, 0.99, 1000),
        Arguments.of(100, 50, 0.9, 1_000_000), Arguments.of(1000, 1, 0.01, 5), Arguments.of(1000, 999, 0.5, 3),
        Arguments.of(4099, 40, 0.95, 1_000_000), Arguments.of(4099, 64, 0.8, 17), Arguments.of(30000, 1000, 0.999, 1_000_000));
  }

  @ParameterizedTest(name = "vocab {0} k {1} p {2} values {3}")
  @MethodSource("rows")
  void topKSelectsThePrefixOfTheRanking(int vocab, int k, double p, int distinct) {
    float[] row = row(vocab, distinct, vocab + k);
    int[] ids = new int[vocab];
    int n = TopKSelector.select(row, 0, vocab, k, ids);
    TopKSelector.sortByRank(row, 0, ids, n);
    assertArrayEquals(Arrays.copyOf(ranking(row), Math.min(k, vocab)), Arrays.copyOf(ids, n));
  }

  @ParameterizedTest(name = "vocab {0} k {1} p {2} values {3}")
  @MethodSource("rows")
  void nucleusKeepsTheShortestPrefixReachingP(int vocab, int k, double p, int distinct) {
    float[] weights = row(vocab, distinct, vocab * 31L + distinct);
    for (int i = 0; i < vocab; i++) {
      weights[i] = (float) Math.exp(weights[i]);
    }
    double total = 0;
    for (float w : weights) {
      total += w;
    }
    int[] ids = IntStream.range(0, vocab).toArray();
    int kept = NucleusSelector.keep(weights, ids, 0, vocab, p * total);
    int[] expected = ranking(weights);
    double before = 0;
    int expectedKept = 0;
    while (expectedKept < vocab && before < p * total) {
      before += weights[expected[expectedKept++]];
    }
    int[] actual = Arrays.copyOf(ids, kept);
    Arrays.sort(actual);
    int[] want = Arrays.copyOf(expected, expectedKept);
    Arrays.sort(want);
    assertEquals(expectedKept, kept);
    assertArrayEquals(want, actual);
  }

  private static float[] row(int vocab, int distinct, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] row = new float[vocab];
    for (int i = 0; i < vocab; i++) {
      row[i] = random.nextInt(distinct) * (8f / distinct);
    }
    return row;
  }

  /** All ids by value descending, then id ascending. */
  private static int[] ranking(float[] row) {
    return IntStream.range(0, row.length).boxed()
        .sorted((a, b) -> row[a] != row[b] ? Float.compare(row[b], row[a]) : Integer.compare(a, b))
        .mapToInt(Integer::intValue).toArray();
  }
}
