package dev.ember.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Log-probabilities reported by the sampler: raw log-softmax, top-N best first. */
class LogprobsTest {
  private static final int VOCAB = 3000;

  private final SampleResult result = new SampleResult();
  private final float[] logits = SamplerTest.randomLogits(VOCAB, 31);
  private final double[] reference = logSoftmax(logits);

  @Test
  void chosenTokenLogprobIsTheLogSoftmaxOfTheRawLogits() {
    sample(SamplingParams.builder().seed(3L).logprobs(0).build());
    assertTrue(result.hasLogprobs());
    assertEquals(reference[result.token()], result.logprob(), 1e-4);
    assertEquals(0, result.topCount());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 5, 20})
  void topAlternativesAreTheNMostLikelyBestFirst(int n) {
    sample(SamplingParams.builder().seed(4L).logprobs(n).build());
    assertEquals(n, result.topCount());
    double[] sorted = reference.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < n; i++) {
      assertEquals(sorted[VOCAB - 1 - i], result.topLogprob(i), 1e-4, "rank " + i);
      assertEquals(reference[result.topId(i)], result.topLogprob(i), 1e-4, "id of rank " + i);
      if (i > 0) {
        assertTrue(result.topLogprob(i) <= result.topLogprob(i - 1));
      }
    }
  }

  @Test
  void logprobsIgnoreBiasPenaltiesAndTemperature() {
    SamplingParams p = SamplingParams.builder().temperature(0.3).logitBias(42, 100).repetitionPenalty(1.5)
        .logprobs(2).build();
    SequenceSamplingState state = new SequenceSamplingState(p, new int[] {1, 2, 42}, new int[] {3}, VOCAB, 0);
    new Sampler(VOCAB).sample(state, logits, 0, result);
    assertEquals(42, result.token());
    assertEquals(reference[42], result.logprob(), 1e-4);
    assertEquals(reference[result.topId(0)], result.topLogprob(0), 1e-4);
  }

  @Test
  void greedyTokenLogprobIsTheMaximum() {
    sample(SamplingParams.builder().temperature(0).logprobs(1).build());
    assertEquals(result.topId(0), result.token());
    assertEquals(result.topLogprob(0), result.logprob());
  }

  @Test
  void noLogprobsWhenNotRequested() {
    sample(SamplingParams.builder().seed(5L).build());
    assertFalse(result.hasLogprobs());
    assertEquals(0, result.topCount());
  }

  private void sample(SamplingParams p) {
    new Sampler(VOCAB).sample(SamplerTest.state(p, VOCAB), logits, 0, result);
  }

  private static double[] logSoftmax(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (float v : logits) {
      sum += Math.exp(v - max);
    }
    double logZ = max + Math.log(sum);
    double[] out = new double[logits.length];
    for (int i = 0; i < logits.length; i++) {
      out[i] = logits[i] - logZ;
    }
    return out;
  }
}
