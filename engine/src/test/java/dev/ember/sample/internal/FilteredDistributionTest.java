package dev.ember.sample.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Comparator;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The set of tokens a filtered distribution can draw, found by sweeping the uniform finely, equals
 * the set a full sort gives: rank by logit (then id), cut at top-k, renormalize, keep while the
 * mass before a token is below p, drop tokens under min-p times the top probability.
 */
class FilteredDistributionTest {
  private static final int VOCAB = 2_000;
  private static final int SWEEP = 20_000;

  static Stream<Arguments> filters() {
    return Stream.of(
        Arguments.of(1f, 0, 0.5, 0f), Arguments.of(1f, 0, 0.9, 0f), Arguments.of(0.5f, 0, 0.95, 0f),
        Arguments.of(1f, 40, 0.8, 0f), Arguments.of(1f, 0, 0.9, 0.2f), Arguments.of(1f, 10, 1.0, 0f),
        Arguments.of(2f, 0, 1.0, 0.3f));
  }

  @ParameterizedTest(name = "1/T {0} top_k {1} top_p {2} min_p {3}")
  @MethodSource("filters")
  void drawableTokensAreExactlyTheFilteredSet(float invTemperature, int topK, double topP, float minP) {
    float[] row = peakedRowWithTies();
    FilteredDistribution distribution = new FilteredDistribution(VOCAB);
    Set<Integer> drawn = new TreeSet<>();
    for (int i = 0; i < SWEEP; i++) {
      drawn.add(distribution.draw(row, 0, invTemperature, topK, topP, minP, i / (double) SWEEP));
    }
    assertEquals(reference(row, invTemperature, topK, topP, minP), drawn);
  }

  /** A head of 600 tokens on 8 distinct logits (75-way ties), the rest far below. */
  private static float[] peakedRowWithTies() {
    float[] row = new float[VOCAB];
    for (int i = 0; i < VOCAB; i++) {
      row[i] = -30f - (i % 7);
    }
    for (int j = 0; j < 600; j++) {
      row[(j * 331 + 17) % VOCAB] = 5f - (j % 8) * 0.25f;
    }
    return row;
  }

  private static Set<Integer> reference(float[] row, float invTemperature, int topK, double topP, float minP) {
    Integer[] order = IntStream.range(0, VOCAB).boxed()
        .sorted(Comparator.<Integer>comparingDouble(id -> -row[id]).thenComparingInt(id -> id))
        .toArray(Integer[]::new);
    int n = topK > 0 ? topK : VOCAB;
    double max = row[order[0]];
    double[] w = new double[n];
    double total = 0;
    for (int i = 0; i < n; i++) {
      w[i] = Math.exp((row[order[i]] - max) * invTemperature);
      total += w[i];
    }
    double before = 0;
    int kept = 0;
    while (kept < n && before < topP * total) {
      before += w[kept++];
    }
    final int keptCount = kept;
    return IntStream.range(0, keptCount).filter(i -> w[i] >= minP && w[i] > 0)
        .mapToObj(i -> order[i]).collect(Collectors.toCollection(TreeSet::new));
  }
}
