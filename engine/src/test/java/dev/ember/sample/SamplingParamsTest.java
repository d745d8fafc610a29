package dev.ember.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SamplingParamsTest {

  @Test
  void defaultsMatchTheDocumentedConstants() {
    SamplingParams p = SamplingParams.DEFAULTS;
    assertEquals(SamplingParams.DEFAULT_N, p.n());
    assertEquals(SamplingParams.DEFAULT_TEMPERATURE, p.temperature());
    assertEquals(SamplingParams.DEFAULT_TOP_K, p.topK());
    assertEquals(SamplingParams.DEFAULT_TOP_P, p.topP());
    assertEquals(SamplingParams.DEFAULT_MIN_P, p.minP());
    assertEquals(SamplingParams.DEFAULT_REPETITION_PENALTY, p.repetitionPenalty());
    assertEquals(SamplingParams.DEFAULT_MIN_TOKENS, p.minTokens());
    assertEquals(SamplingParams.DEFAULT_SKIP_SPECIAL_TOKENS, p.skipSpecialTokens());
    assertNull(p.seed());
    assertNull(p.maxTokens());
    assertNull(p.logprobs());
    assertTrue(p.stop().isEmpty());
    assertFalse(p.greedy());
  }

  @Test
  void temperatureBelowEpsilonIsGreedy() {
    assertTrue(SamplingParams.builder().temperature(0).build().greedy());
    assertTrue(SamplingParams.builder().temperature(SamplingParams.GREEDY_EPSILON / 2).build().greedy());
    assertFalse(SamplingParams.builder().temperature(SamplingParams.GREEDY_EPSILON).build().greedy());
  }

  @Test
  void sequenceSeedAddsTheIndexAsVllmDoes() {
    SamplingParams seeded = SamplingParams.builder().seed(41L).n(3).build();
    assertEquals(43L, seeded.sequenceSeed(2));
    assertNull(SamplingParams.DEFAULTS.sequenceSeed(2));
  }

  @Test
  void toBuilderKeepsEveryValue() {
    SamplingParams p = SamplingParams.builder().n(2).temperature(0.3).topK(5).topP(0.8).minP(0.1)
        .seed(7L).presencePenalty(0.5).frequencyPenalty(-0.5).repetitionPenalty(1.2)
        .logitBias(3, -4.0).stop("x").stopTokenIds(9).ignoreEos(true).maxTokens(10).minTokens(2)
        .logprobs(3).includeStopStrInOutput(true).skipSpecialTokens(false).build();
    assertEquals(p, p.toBuilder().build());
  }

  static Stream<Arguments> outOfRange() {
    return Stream.of(
        bad("n", b -> b.n(0)),
        bad("n", b -> b.n(SamplingParams.MAX_N + 1)),
        bad("temperature", b -> b.temperature(-0.1)),
        bad("temperature", b -> b.temperature(2.01)),
        bad("temperature", b -> b.temperature(Double.NaN)),
        bad("top_k", b -> b.topK(-2)),
        bad("top_p", b -> b.topP(0)),
        bad("top_p", b -> b.topP(1.01)),
        bad("min_p", b -> b.minP(-0.01)),
        bad("min_p", b -> b.minP(1.5)),
        bad("presence_penalty", b -> b.presencePenalty(2.5)),
        bad("presence_penalty", b -> b.presencePenalty(-2.5)),
        bad("frequency_penalty", b -> b.frequencyPenalty(-2.01)),
        bad("frequency_penalty", b -> b.frequencyPenalty(Double.NaN)),
        bad("repetition_penalty", b -> b.repetitionPenalty(0)),
        bad("repetition_penalty", b -> b.repetitionPenalty(Double.POSITIVE_INFINITY)),
        bad("logit_bias", b -> b.logitBias(5, 100.5)),
        bad("logit_bias", b -> b.logitBias(5, -101)),
        bad("logit_bias", b -> b.logitBias(-1, 1)),
        bad("stop", b -> b.stop("")),
        bad("stop", b -> b.stop(Collections.nCopies(SamplingParams.MAX_STOP_STRINGS + 1, "x"))),
        bad("stop_token_ids", b -> b.stopTokenIds(-3)),
        bad("max_tokens", b -> b.maxTokens(0)),
        bad("min_tokens", b -> b.minTokens(-1)),
        bad("min_tokens", b -> b.maxTokens(4).minTokens(5)),
        bad("logprobs", b -> b.logprobs(-1)),
        bad("logprobs", b -> b.logprobs(SamplingParams.MAX_LOGPROBS + 1)));
  }

  @ParameterizedTest(name = "{0} #{index}")
  @MethodSource("outOfRange")
  void outOfRangeValueIsRejectedNamingTheParam(String param, UnaryOperator<SamplingParams.Builder> edit) {
    InvalidSamplingParamsException e = assertThrows(InvalidSamplingParamsException.class,
        () -> edit.apply(SamplingParams.builder()).build());
    assertEquals(param, e.param());
    assertTrue(e.getMessage().startsWith(param + " "), e.getMessage());
  }

  static Stream<Arguments> boundaries() {
    return Stream.of(
        ok(b -> b.temperature(0)), ok(b -> b.temperature(2)), ok(b -> b.topK(-1)), ok(b -> b.topK(0)),
        ok(b -> b.topK(1)), ok(b -> b.topP(1)), ok(b -> b.topP(1e-9)), ok(b -> b.minP(0)), ok(b -> b.minP(1)),
        ok(b -> b.presencePenalty(-2).frequencyPenalty(2)), ok(b -> b.repetitionPenalty(1e-3)),
        ok(b -> b.logitBias(0, -100).logitBias(1, 100)),
        ok(b -> b.stop(Collections.nCopies(SamplingParams.MAX_STOP_STRINGS, "x"))),
        ok(b -> b.maxTokens(1).minTokens(1)), ok(b -> b.logprobs(0)), ok(b -> b.logprobs(20)),
        ok(b -> b.n(SamplingParams.MAX_N)));
  }

  @ParameterizedTest
  @MethodSource("boundaries")
  void boundaryValuesAreAccepted(UnaryOperator<SamplingParams.Builder> edit) {
    edit.apply(SamplingParams.builder()).build();
  }

  @Test
  void logitBiasIdOutsideTheVocabularyIsRejectedWhenTheSequenceStarts() {
    SamplingParams p = SamplingParams.builder().logitBias(10, 1).build();
    InvalidSamplingParamsException e = assertThrows(InvalidSamplingParamsException.class,
        () -> new SequenceSamplingState(p, new int[0], new int[0], 10, 0));
    assertEquals("logit_bias", e.param());
  }

  @Test
  void stopTokenIdOutsideTheVocabularyIsRejectedWhenTheSequenceStarts() {
    SamplingParams p = SamplingParams.builder().stopTokenIds(List.of(12)).build();
    InvalidSamplingParamsException e = assertThrows(InvalidSamplingParamsException.class,
        () -> new SequenceSamplingState(p, new int[0], new int[0], 10, 0));
    assertEquals("stop_token_ids", e.param());
  }

  private static Arguments bad(String param, UnaryOperator<SamplingParams.Builder> edit) {
    return Arguments.of(param, edit);
  }

  private static Arguments ok(UnaryOperator<SamplingParams.Builder> edit) {
    return Arguments.of(edit);
  }
}
