package dev.ember.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Deterministic behaviour of the sampler: greedy, filters, bias, penalties, min_tokens. */
class SamplerTest {
  private static final int EOS = 3;

  private final SampleResult result = new SampleResult();

  @Test
  void greedyPicksTheArgmax() {
    assertEquals(2, drawOnce(greedy(), 0.5f, -1f, 7.25f, 7.0f, 3f));
  }

  @Test
  void greedyTieGoesToTheLowestId() {
    assertEquals(1, drawOnce(greedy(), 0f, 5f, 2f, 5f, 5f));
  }

  @Test
  void temperatureTowardsZeroConvergesToTheArgmax() {
    float[] logits = {1.0f, 1.2f, 0.9f, 1.19f};
    SamplingParams cold = SamplingParams.builder().temperature(1e-4).seed(3L).build();
    SequenceSamplingState state = state(cold, logits.length);
    Sampler sampler = new Sampler(logits.length);
    for (int i = 0; i < 200; i++) {
      sampler.sample(state, logits, 0, result);
      assertEquals(1, result.token());
    }
  }

  @Test
  void topKOfOneEqualsGreedy() {
    float[] logits = randomLogits(4096, 11);
    int greedyToken = drawOnce(greedy(), logits);
    for (long seed = 0; seed < 20; seed++) {
      SamplingParams p = SamplingParams.builder().temperature(1.5).topK(1).seed(seed).build();
      assertEquals(greedyToken, drawOnce(p, logits));
    }
  }

  @Test
  void tinyTopPEqualsGreedy() {
    float[] logits = randomLogits(4096, 12);
    int greedyToken = drawOnce(greedy(), logits);
    for (long seed = 0; seed < 20; seed++) {
      SamplingParams p = SamplingParams.builder().temperature(1.5).topP(1e-6).seed(seed).build();
      assertEquals(greedyToken, drawOnce(p, logits));
    }
  }

  @Test
  void minPOfOneKeepsOnlyTheTopToken() {
    float[] logits = randomLogits(4096, 13);
    int greedyToken = drawOnce(greedy(), logits);
    for (long seed = 0; seed < 20; seed++) {
      SamplingParams p = SamplingParams.builder().minP(1).seed(seed).build();
      assertEquals(greedyToken, drawOnce(p, logits));
    }
  }

  @Test
  void minPDropsTokensBelowItsShareOfTheTopProbability() {
    // p = [0.5, 0.3, 0.15, 0.05]; min_p 0.5 keeps p >= 0.25: tokens 0 and 1.
    float[] logits = logOf(0.5, 0.3, 0.15, 0.05);
    SamplingParams p = SamplingParams.builder().minP(0.5).seed(5L).build();
    SequenceSamplingState state = state(p, 4);
    Sampler sampler = new Sampler(4);
    boolean sawOne = false;
    for (int i = 0; i < 500; i++) {
      sampler.sample(state, logits, 0, result);
      assertTrue(result.token() <= 1, "drew " + result.token());
      sawOne |= result.token() == 1;
    }
    assertTrue(sawOne);
  }

  @Test
  void positiveLogitBiasForcesAToken() {
    float[] logits = randomLogits(1000, 14);
    SamplingParams p = SamplingParams.builder().logitBias(777, 100).seed(1L).build();
    assertEquals(777, drawOnce(p, logits));
    assertEquals(777, drawOnce(p.toBuilder().temperature(0).build(), logits));
  }

  @Test
  void negativeLogitBiasBansTheArgmax() {
    float[] logits = {0f, 9f, 8f};
    SamplingParams p = SamplingParams.builder().temperature(0).logitBias(1, -100).build();
    assertEquals(2, drawOnce(p, logits));
  }

  @Test
  void minTokensMasksEndOfSequenceAndStopTokens() {
    float[] logits = {0f, 1f, 2f, 10f, 9f}; // EOS (3) best, stop token 4 next
    SamplingParams p = SamplingParams.builder().temperature(0).minTokens(2).stopTokenIds(4).build();
    SequenceSamplingState state = state(p, logits.length);
    Sampler sampler = new Sampler(logits.length);
    int[] drawn = new int[3];
    for (int i = 0; i < 3; i++) {
      sampler.sample(state, logits, 0, result);
      drawn[i] = result.token();
    }
    assertArrayEquals(new int[] {2, 2, EOS}, drawn);
  }

  @Test
  void minTokensDoesNotMaskEndOfSequenceWhenEosIsIgnored() {
    float[] logits = {0f, 1f, 2f, 10f};
    SamplingParams p = SamplingParams.builder().temperature(0).minTokens(2).ignoreEos(true).build();
    assertEquals(EOS, drawOnce(p, logits));
  }

  /**
   * Each case: penalties, prompt, tokens generated before, and the hand-computed logit of token 0
   * (raw value 2.0, or -2.0 when {@code negative}). Token 1 is set just below and just above the
   * expectation; greedy must pick 0 and then 1.
   */
  static Stream<Arguments> penalties() {
    return Stream.of(
        penalty("frequency 0.6, generated twice: 2 - 1.2", b -> b.frequencyPenalty(0.6), new int[0], new int[] {0, 0}, false, 0.8f),
        penalty("presence 0.5, generated twice: 2 - 0.5", b -> b.presencePenalty(0.5), new int[0], new int[] {0, 0}, false, 1.5f),
        penalty("frequency and presence: 2 - 0.25 * 3 - 1", b -> b.frequencyPenalty(0.25).presencePenalty(1), new int[0], new int[] {0, 0, 0}, false, 0.25f),
        penalty("negative frequency rewards: 2 + 0.5 * 2", b -> b.frequencyPenalty(-0.5), new int[0], new int[] {0, 0}, false, 3.0f),
        penalty("frequency ignores prompt tokens", b -> b.frequencyPenalty(1), new int[] {0, 0, 0}, new int[0], false, 2.0f),
        penalty("repetition 2 on a prompt token divides: 2 / 2", b -> b.repetitionPenalty(2), new int[] {0}, new int[0], false, 1.0f),
        penalty("repetition 2 on an output token once, not per count", b -> b.repetitionPenalty(2), new int[] {0}, new int[] {0, 0}, false, 1.0f),
        penalty("repetition 2 on a negative logit multiplies: -2 * 2", b -> b.repetitionPenalty(2), new int[] {0}, new int[0], true, -4.0f),
        penalty("repetition 0.5 rewards: 2 / 0.5", b -> b.repetitionPenalty(0.5), new int[] {0}, new int[0], false, 4.0f),
        penalty("repetition skips unseen tokens", b -> b.repetitionPenalty(2), new int[] {5}, new int[0], false, 2.0f),
        penalty("bias then repetition: (2 + 2) / 2", b -> b.logitBias(0, 2).repetitionPenalty(2), new int[] {0}, new int[0], false, 2.0f),
        penalty("repetition then frequency: 2 / 2 - 0.5", b -> b.repetitionPenalty(2).frequencyPenalty(0.5), new int[0], new int[] {0}, false, 0.5f));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("penalties")
  void penaltyMatchesTheHandComputedLogit(String name, UnaryOperator<SamplingParams.Builder> penalty,
      int[] prompt, int[] generated, boolean negative, float expected) {
    SamplingParams p = penalty.apply(SamplingParams.builder().temperature(0)).build();
    assertEquals(0, greedyAfterHistory(p, prompt, generated, negative, expected - 0.01f), "token 1 just below");
    assertEquals(1, greedyAfterHistory(p, prompt, generated, negative, expected + 0.01f), "token 1 just above");
  }

  @Test
  void samplingLeavesTheCallersRowUnchanged() {
    float[] logits = randomLogits(512, 15);
    float[] before = logits.clone();
    SamplingParams p = SamplingParams.builder().logitBias(3, 50).repetitionPenalty(1.3)
        .frequencyPenalty(0.7).presencePenalty(0.2).minTokens(5).stopTokenIds(9).topK(20).topP(0.8)
        .seed(2L).build();
    SequenceSamplingState state = new SequenceSamplingState(p, new int[] {1, 2, 3}, new int[] {EOS}, 512, 0);
    Sampler sampler = new Sampler(512);
    for (int i = 0; i < 10; i++) {
      sampler.sample(state, logits, 0, result);
      assertArrayEquals(before, logits);
    }
  }

  @Test
  void rowsAreReadAtTheirOffsetInABatchBuffer() {
    int vocab = 6;
    float[] batch = {0, 0, 0, 0, 9, 0, /* row 1 */ 0, 8, 0, 0, 0, 0};
    Sampler sampler = new Sampler(vocab);
    sampler.sample(state(greedy(), vocab), batch, 0, result);
    assertEquals(4, result.token());
    sampler.sample(state(greedy(), vocab), batch, vocab, result);
    assertEquals(1, result.token());
  }

  @Test
  void sampledTokensAreCountedForPenalties() {
    SamplingParams p = SamplingParams.builder().temperature(0).frequencyPenalty(0.1).build();
    SequenceSamplingState state = state(p, 3);
    Sampler sampler = new Sampler(3);
    float[] logits = {0f, 5f, 0f};
    sampler.sample(state, logits, 0, result);
    sampler.sample(state, logits, 0, result);
    assertEquals(2, state.outputCount(1));
    assertEquals(2, state.generatedCount());
  }

  @Test
  void differentSeedsGiveDifferentDraws() {
    float[] logits = new float[64];
    int[] a = draws(SamplingParams.builder().seed(1L).build(), logits, 32);
    int[] b = draws(SamplingParams.builder().seed(2L).build(), logits, 32);
    assertNotEquals(Arrays.toString(a), Arrays.toString(b));
  }

  private int greedyAfterHistory(SamplingParams p, int[] prompt, int[] generated, boolean negative,
      float competitor) {
    int vocab = 8;
    SequenceSamplingState state = new SequenceSamplingState(p, prompt, new int[] {EOS}, vocab, 0);
    Sampler sampler = new Sampler(vocab);
    for (int token : generated) {
      float[] force = new float[vocab];
      force[token] = 90f;
      sampler.sample(state, force, 0, result);
      assertEquals(token, result.token(), "history token");
    }
    float[] logits = {negative ? -2f : 2f, competitor, -50f, -50f, -50f, -50f, -50f, -50f};
    sampler.sample(state, logits, 0, result);
    return result.token();
  }

  private static Arguments penalty(String name, UnaryOperator<SamplingParams.Builder> edit, int[] prompt,
      int[] generated, boolean negative, float expected) {
    return Arguments.of(name, edit, prompt, generated, negative, expected);
  }

  static SamplingParams greedy() {
    return SamplingParams.builder().temperature(0).build();
  }

  static SequenceSamplingState state(SamplingParams p, int vocab) {
    return new SequenceSamplingState(p, new int[0], new int[] {EOS}, vocab, 0);
  }

  private int drawOnce(SamplingParams p, float... logits) {
    new Sampler(logits.length).sample(state(p, logits.length), logits, 0, result);
    return result.token();
  }

  private int[] draws(SamplingParams p, float[] logits, int count) {
    SequenceSamplingState state = state(p, logits.length);
    Sampler sampler = new Sampler(logits.length);
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      sampler.sample(state, logits, 0, result);
      out[i] = result.token();
    }
    return out;
  }

  static float[] logOf(double... probabilities) {
    float[] logits = new float[probabilities.length];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) Math.log(probabilities[i]);
    }
    return logits;
  }

  static float[] randomLogits(int vocab, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] logits = new float[vocab];
    for (int i = 0; i < vocab; i++) {
      logits[i] = (float) (random.nextGaussian() * 3);
    }
    return logits;
  }
}
