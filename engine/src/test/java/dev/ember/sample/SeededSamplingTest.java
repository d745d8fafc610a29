package dev.ember.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Distributions and reproducibility of seeded sampling. Every test is deterministic: draws come from
 * fixed seeds, so a bound that holds once holds always.
 */
class SeededSamplingTest {
  private static final int DRAWS = 20_000;
  private static final double TOLERANCE = 0.02; // > 5 standard deviations at 20k draws

  private final SampleResult result = new SampleResult();

  /** p = [0.1, 0.2, 0.3, 0.4] and the distribution each setting should turn it into. */
  static Stream<Arguments> distributions() {
    return Stream.of(
        expect("temperature 1", b -> b, 0.1, 0.2, 0.3, 0.4),
        expect("temperature 0.5 squares p", b -> b.temperature(0.5), 0.01 / 0.3, 0.04 / 0.3, 0.09 / 0.3, 0.16 / 0.3),
        expect("temperature 2 takes the root", b -> b.temperature(2), root(0.1), root(0.2), root(0.3), root(0.4)),
        expect("top_k 2 renormalizes the two best", b -> b.topK(2), 0, 0, 3 / 7.0, 4 / 7.0),
        expect("top_p 0.65 keeps the smallest prefix reaching 0.65", b -> b.topP(0.65), 0, 0, 3 / 7.0, 4 / 7.0),
        expect("top_p 0.7 keeps a prefix of exactly 0.7", b -> b.topP(0.7), 0, 0, 3 / 7.0, 4 / 7.0),
        expect("top_p 0.71 needs a third token", b -> b.topP(0.71), 0, 2 / 9.0, 3 / 9.0, 4 / 9.0),
        expect("top_k 3 then top_p 0.5 on the renormalized three", b -> b.topK(3).topP(0.5), 0, 0, 3 / 7.0, 4 / 7.0),
        expect("min_p 0.6 keeps p >= 0.24", b -> b.minP(0.6), 0, 0, 3 / 7.0, 4 / 7.0),
        expect("min_p 0.5 keeps p >= 0.2", b -> b.minP(0.5), 0, 2 / 9.0, 3 / 9.0, 4 / 9.0),
        expect("top_p 0.71 then min_p 0.6", b -> b.topP(0.71).minP(0.6), 0, 0, 3 / 7.0, 4 / 7.0),
        expect("presence penalty does not apply before any output", b -> b.presencePenalty(2).frequencyPenalty(2).repetitionPenalty(2), 0.1, 0.2, 0.3, 0.4));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("distributions")
  void empiricalFrequenciesMatchTheExpectedDistribution(String name,
      UnaryOperator<SamplingParams.Builder> edit, double[] expected) {
    float[] logits = SamplerTest.logOf(0.1, 0.2, 0.3, 0.4);
    Sampler sampler = new Sampler(4);
    int[] counts = new int[4];
    for (int i = 0; i < DRAWS; i++) {
      // A fresh state per draw keeps penalties out; the seed varies the draw.
      SamplingParams p = edit.apply(SamplingParams.builder().seed((long) i)).build();
      sampler.sample(SamplerTest.state(p, 4), logits, 0, result);
      counts[result.token()]++;
    }
    for (int t = 0; t < 4; t++) {
      double frequency = counts[t] / (double) DRAWS;
      if (expected[t] == 0) {
        assertEquals(0, counts[t], "token " + t + " must be filtered out");
      } else {
        assertEquals(expected[t], frequency, TOLERANCE, "token " + t);
      }
    }
  }

  @Test
  void successiveDrawsOfOneSequenceFollowTheDistribution() {
    float[] logits = SamplerTest.logOf(0.1, 0.2, 0.3, 0.4);
    SequenceSamplingState state = SamplerTest.state(SamplingParams.builder().seed(99L).build(), 4);
    Sampler sampler = new Sampler(4);
    int[] counts = new int[4];
    for (int i = 0; i < DRAWS; i++) {
      sampler.sample(state, logits, 0, result);
      counts[result.token()]++;
    }
    for (int t = 0; t < 4; t++) {
      assertEquals(0.1 * (t + 1), counts[t] / (double) DRAWS, TOLERANCE, "token " + t);
    }
  }

  @Test
  void largeVocabularyTopPDrawsOnlyFromTheNucleus() {
    int vocab = 5000;
    float[] logits = SamplerTest.randomLogits(vocab, 21);
    Set<Integer> nucleus = referenceNucleus(logits, 0.9);
    Sampler sampler = new Sampler(vocab);
    Set<Integer> drawn = new HashSet<>();
    for (int i = 0; i < 3000; i++) {
      SamplingParams p = SamplingParams.builder().topP(0.9).seed((long) i).build();
      sampler.sample(SamplerTest.state(p, vocab), logits, 0, result);
      assertTrue(nucleus.contains(result.token()), "token " + result.token() + " outside the nucleus");
      drawn.add(result.token());
    }
    assertTrue(drawn.size() > 20, "draws should spread over the nucleus, got " + drawn.size());
  }

  @Test
  void sameSeedGivesTheSameSequenceOfDraws() {
    float[] logits = SamplerTest.randomLogits(1000, 22);
    SamplingParams p = SamplingParams.builder().seed(1234L).topK(100).build();
    assertArrayEquals(draws(p, logits, 0, 64), draws(p, logits, 0, 64));
  }

  @Test
  void drawsDoNotDependOnOtherSequencesInTheBatch() {
    int vocab = 1000;
    float[] logits = SamplerTest.randomLogits(vocab, 23);
    SamplingParams a = SamplingParams.builder().seed(7L).topP(0.95).build();
    SamplingParams b = SamplingParams.builder().seed(8L).temperature(1.3).build();
    int[] alone = draws(a, logits, 0, 64);

    Sampler sampler = new Sampler(vocab);
    SequenceSamplingState stateB = SamplerTest.state(b, vocab);
    SequenceSamplingState stateA = SamplerTest.state(a, vocab);
    int[] interleaved = new int[64];
    for (int i = 0; i < 64; i++) {
      sampler.sample(stateB, logits, 0, result);
      if (i % 3 == 0) {
        sampler.sample(stateB, logits, 0, result); // B runs ahead, as after a preemption elsewhere
      }
      sampler.sample(stateA, logits, 0, result);
      interleaved[i] = result.token();
    }
    assertArrayEquals(alone, interleaved);
  }

  @Test
  void sequenceIndexOffsetsTheSeed() {
    float[] logits = SamplerTest.randomLogits(1000, 24);
    SamplingParams base = SamplingParams.builder().seed(50L).n(2).build();
    assertArrayEquals(draws(base.toBuilder().seed(51L).build(), logits, 0, 32), draws(base, logits, 1, 32));
  }

  @Test
  void unseededSequencesDrawRandomSeeds() {
    SequenceSamplingState one = SamplerTest.state(SamplingParams.DEFAULTS, 10);
    SequenceSamplingState two = SamplerTest.state(SamplingParams.DEFAULTS, 10);
    assertTrue(one.seed() != two.seed());
  }

  private int[] draws(SamplingParams p, float[] logits, int sequenceIndex, int count) {
    SequenceSamplingState state = new SequenceSamplingState(p, new int[0], new int[] {3}, logits.length, sequenceIndex);
    Sampler sampler = new Sampler(logits.length);
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      sampler.sample(state, logits, 0, result);
      out[i] = result.token();
    }
    return out;
  }

  /** The nucleus by the definition: sort all probabilities, keep while the mass before is < p. */
  private static Set<Integer> referenceNucleus(float[] logits, double p) {
    Integer[] order = new Integer[logits.length];
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < logits.length; i++) {
      order[i] = i;
      max = Math.max(max, logits[i]);
    }
    double total = 0;
    double[] weights = new double[logits.length];
    for (int i = 0; i < logits.length; i++) {
      weights[i] = Math.exp(logits[i] - max);
      total += weights[i];
    }
    Arrays.sort(order, (x, y) -> Double.compare(weights[y], weights[x]));
    Set<Integer> kept = new HashSet<>();
    double before = 0;
    for (Integer id : order) {
      if (before >= p * total) {
        break;
      }
      kept.add(id);
      before += weights[id];
    }
    return kept;
  }

  private static double root(double p) {
    double sum = Math.sqrt(0.1) + Math.sqrt(0.2) + Math.sqrt(0.3) + Math.sqrt(0.4);
    return Math.sqrt(p) / sum;
  }

  private static Arguments expect(String name, UnaryOperator<SamplingParams.Builder> edit, double... p) {
    return Arguments.of(name, edit, p);
  }
}
