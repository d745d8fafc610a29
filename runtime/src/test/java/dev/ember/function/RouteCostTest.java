package dev.ember.function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The context choice: cost {@code w * (promptBlocks - overlap) + active}, WARM first, the imbalance guard, ties. */
class RouteCostTest {
  /** A candidate with a fixed state, load and cached leading blocks. */
  record Engine(boolean warm, int activeBlocks, int cached, int recentRequests) implements RouteCost.Candidate {
    @Override
    public int overlapBlocks(long[] promptBlockKeys) {
      return Math.min(cached, promptBlockKeys.length);
    }
  }

  static Engine warm(int active, int cached) {
    return new Engine(true, active, cached, 0);
  }

  static Engine cold() {
    return new Engine(false, 0, 0, 0);
  }

  static Stream<Arguments> choices() {
    return Stream.of(
        Arguments.of("the one holding the prefix", List.of(warm(0, 0), warm(0, 8)), 10, 1),
        Arguments.of("ties go to the first", List.of(warm(3, 2), warm(3, 2)), 10, 0),
        Arguments.of("load outweighs a short overlap", List.of(warm(0, 0), warm(12, 8)), 10, 0),
        Arguments.of("overlap outweighs a small load", List.of(warm(0, 0), warm(5, 8)), 10, 1),
        Arguments.of("WARM beats an idle COLD", List.of(cold(), warm(40, 0)), 10, 1),
        Arguments.of("no WARM: the first", List.of(cold(), cold()), 10, 0),
        // cost alone would pick the first in the three cases below (100 < 120, 60 < 100, 210 < 240)
        Arguments.of("guard: max-min > 64 and max > 1.5 min routes to the least loaded",
            List.of(warm(100, 100), warm(20, 0)), 100, 1),
        Arguments.of("guard holds back up to 64 blocks apart", List.of(warm(60, 100), warm(0, 0)), 100, 0),
        Arguments.of("guard holds back within 1.5x", List.of(warm(210, 100), warm(140, 0)), 100, 0),
        Arguments.of("no candidates", List.of(), 4, -1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("choices")
  void choosesTheCheapestContext(String why, List<Engine> engines, int promptBlocks, int chosen) {
    assertEquals(chosen, new RouteCost(RouteCost.DEFAULT_WEIGHT).choose(engines, new long[promptBlocks]), why);
  }

  @ParameterizedTest
  @MethodSource("weights")
  void theWeightScalesTheBlocksToRecompute(double weight, int chosen) {
    // 8 blocks cached on the second context, which holds 20 active blocks.
    assertEquals(chosen, new RouteCost(weight).choose(List.of(warm(0, 0), warm(20, 8)), new long[10]));
  }

  static Stream<Arguments> weights() {
    return Stream.of(Arguments.of(1.0, 0), Arguments.of(3.0, 1), Arguments.of(0.0, 0));
  }

  @Test
  void theShareGuardKeepsNewPrefixesOffTheContextServingMoreThanItsShareButNotItsHits() {
    RouteCost cost = new RouteCost(RouteCost.DEFAULT_WEIGHT);
    // The first context took 30 of the recent requests against a mean of 17.5 (bound max(21.5, 21.9) = 21).
    assertEquals(21, RouteCost.shareCap(35, 2, 30));
    assertEquals(1, cost.choose(List.of(new Engine(true, 0, 0, 30), new Engine(true, 6, 0, 5)), new long[10]),
        "a prompt no context caches goes to the other, though the first is idle");
    assertEquals(0, cost.choose(List.of(new Engine(true, 0, 8, 30), new Engine(true, 6, 0, 5)), new long[10]),
        "a prompt the first caches is still its");
    assertEquals(0, cost.choose(List.of(new Engine(true, 0, 0, 20), new Engine(true, 6, 0, 15)), new long[10]),
        "within its share the idle context takes the new prefix");
    assertEquals(Integer.MAX_VALUE, RouteCost.shareCap(90, 1, 90), "one WARM context has no share to exceed");
  }

  @ParameterizedTest
  @MethodSource("badWeights")
  void aNegativeOrInfiniteWeightIsRefused(double weight) {
    assertThrows(IllegalArgumentException.class, () -> new RouteCost(weight));
  }

  static Stream<Double> badWeights() {
    return Stream.of(-1.0, Double.NaN, Double.POSITIVE_INFINITY);
  }
}
