package dev.ember.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StopCheckerTest {
  private static final int EOS = 2;
  private static final int TOKEN = 100; // an ordinary token
  private static final int CONTEXT = 1000;

  @Test
  void endOfSequenceStopsAndDropsItsText() {
    StopChecker stop = checker(SamplingParams.DEFAULTS);
    assertEquals("Hi", stop.accept(TOKEN, "Hi"));
    assertEquals("", stop.accept(EOS, "</s>"));
    assertEquals(FinishReason.STOP, stop.finishReason());
    assertNull(stop.stopReason());
  }

  @Test
  void endOfSequenceIsIgnoredWithIgnoreEos() {
    StopChecker stop = checker(SamplingParams.builder().ignoreEos(true).build());
    assertEquals("</s>", stop.accept(EOS, "</s>"));
    assertFalse(stop.finished());
  }

  @Test
  void stopTokenIdStopsAndIsTheStopReason() {
    StopChecker stop = checker(SamplingParams.builder().stopTokenIds(7, 8).build());
    stop.accept(TOKEN, "a");
    assertEquals("", stop.accept(8, "<end>"));
    assertEquals(FinishReason.STOP, stop.finishReason());
    assertEquals(8, stop.stopReason());
    assertEquals(8, stop.stopTokenId());
  }

  @Test
  void stopTokenTextIsKeptWithIncludeStopStrInOutput() {
    StopChecker stop = checker(SamplingParams.builder().stopTokenIds(7).includeStopStrInOutput(true).build());
    assertEquals("<end>", stop.accept(7, "<end>"));
    assertTrue(stop.finished());
  }

  @Test
  void maxTokensFinishesWithLength() {
    StopChecker stop = checker(SamplingParams.builder().maxTokens(2).build());
    assertEquals("a", stop.accept(TOKEN, "a"));
    assertFalse(stop.finished());
    assertEquals("b", stop.accept(TOKEN, "b"));
    assertEquals(FinishReason.LENGTH, stop.finishReason());
    assertNull(stop.stopReason());
  }

  @Test
  void contextLengthLimitsWhenMaxTokensIsAbsent() {
    StopChecker stop = new StopChecker(SamplingParams.DEFAULTS, new int[] {EOS}, 1);
    stop.accept(TOKEN, "a");
    assertEquals(FinishReason.LENGTH, stop.finishReason());
  }

  @Test
  void stopOnTheLastAllowedTokenIsAStopNotALength() {
    StopChecker stop = checker(SamplingParams.builder().maxTokens(1).build());
    stop.accept(EOS, "");
    assertEquals(FinishReason.STOP, stop.finishReason());
  }

  @Test
  void noStopConditionBeforeMinTokens() {
    StopChecker stop = checker(SamplingParams.builder().minTokens(3).stop("x").stopTokenIds(7).build());
    assertEquals("x", stop.accept(TOKEN, "x"));
    assertEquals("", stop.accept(EOS, ""));
    assertFalse(stop.finished());
    assertEquals("ab", stop.accept(TOKEN, "ab"));
    assertFalse(stop.finished());
    assertEquals("", stop.accept(7, "!"));
    assertTrue(stop.finished());
  }

  @Test
  void acceptAfterFinishIsAnError() {
    StopChecker stop = checker(SamplingParams.DEFAULTS);
    stop.accept(EOS, "");
    assertThrows(IllegalStateException.class, () -> stop.accept(TOKEN, "a"));
  }

  @Test
  void abortReturnsTheHeldText() {
    StopChecker stop = checker(SamplingParams.builder().stop("STOP").build());
    assertEquals("a ", stop.accept(TOKEN, "a ST"));
    assertEquals("ST", stop.abort());
    assertEquals(FinishReason.ABORT, stop.finishReason());
  }

  /** Stop strings, deltas, include flag; the text emitted delta by delta, and the stop string or null. */
  static Stream<Arguments> stopStrings() {
    return Stream.of(
        stops("stop inside one delta", List.of("STOP"), false, List.of("Hello STOP world"), List.of("Hello "), "STOP"),
        stops("stop split across deltas", List.of("STOP"), false, List.of("Hel", "lo ST", "OP more"), List.of("Hel", "lo ", ""), "STOP"),
        stops("stop split over four deltas", List.of("STOP"), false, List.of("xS", "T", "O", "Py"), List.of("x", "", "", ""), "STOP"),
        stops("held prefix released when it stops matching", List.of("STOP"), false, List.of("a S", "T", "x"), List.of("a ", "", "STx"), null),
        stops("held prefix released at the length limit", List.of("STOP"), false, List.of("ok", "ST"), List.of("ok", "ST"), null),
        stops("first stop to end wins", List.of("world", "lo w"), false, List.of("hello world"), List.of("hel"), "lo w"),
        stops("shorter stop ends before the longer", List.of("abc", "ab"), false, List.of("xabc"), List.of("x"), "ab"),
        stops("shorter stop first in list too", List.of("ab", "abc"), false, List.of("xa", "bc"), List.of("x", ""), "ab"),
        stops("same end: the one starting first", List.of("bc", "abc"), false, List.of("xabcd"), List.of("x"), "abc"),
        stops("longer prefix held, shorter stop completes", List.of("abc", "b"), false, List.of("xa", "b"), List.of("x", "a"), "b"),
        stops("include_stop_str_in_output keeps the stop", List.of("STOP"), true, List.of("xST", "OPy"), List.of("xST", "OP"), "STOP"),
        stops("include_stop_str_in_output needs no holdback", List.of("STOP"), true, List.of("a S", "T", "x"), List.of("a S", "T", "x"), null),
        stops("repeated prefix characters", List.of("aab"), false, List.of("aaa", "ab"), List.of("a", "a"), "aab"),
        stops("CJK stop string", List.of("再见"), false, List.of("你好", "世界。再", "见了"), List.of("你好", "世界。", ""), "再见"),
        stops("CJK text around an ASCII stop", List.of("\n\n"), false, List.of("第一段\n", "\n第二段"), List.of("第一段", ""), "\n\n"),
        stops("emoji stop string", List.of("👋"), false, List.of("hi 😀 there ", "👋 bye"), List.of("hi 😀 there ", ""), "👋"),
        stops("emoji held as a stop prefix then released intact", List.of("😀!"), false, List.of("a😀", "b"), List.of("a", "😀b"), null),
        stops("surrogate pair never split", List.of("\uD83D\uDE00!"), false, List.of("x\uD83D", "\uDE00", "?"), List.of("x", "", "\uD83D\uDE00?"), null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stopStrings")
  void stopStringsAreHeldBackAndCut(String name, List<String> stopStrings, boolean include,
      List<String> deltas, List<String> expectedTexts, String expectedStop) {
    SamplingParams p = SamplingParams.builder().stop(stopStrings).includeStopStrInOutput(include)
        .maxTokens(deltas.size()).build();
    StopChecker stop = checker(p);
    List<String> texts = new ArrayList<>();
    for (String delta : deltas) {
      if (stop.finished()) {
        break;
      }
      texts.add(stop.accept(TOKEN, delta));
    }
    assertEquals(expectedTexts, texts);
    assertTrue(stop.finished());
    assertEquals(expectedStop, stop.stopString());
    assertEquals(expectedStop == null ? FinishReason.LENGTH : FinishReason.STOP, stop.finishReason());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stopStrings")
  void outputDoesNotDependOnHowTheTextIsSplit(String name, List<String> stopStrings, boolean include,
      List<String> deltas, List<String> expectedTexts, String expectedStop) {
    String whole = String.join("", deltas);
    String oneDelta = run(stopStrings, include, List.of(whole));
    List<String> perCodePoint = new ArrayList<>();
    whole.codePoints().forEach(cp -> perCodePoint.add(Character.toString(cp)));
    assertEquals(String.join("", expectedTexts), oneDelta);
    assertEquals(oneDelta, run(stopStrings, include, perCodePoint));
  }

  private static String run(List<String> stopStrings, boolean include, List<String> deltas) {
    StopChecker stop = checker(SamplingParams.builder().stop(stopStrings).includeStopStrInOutput(include)
        .maxTokens(deltas.size()).build());
    StringBuilder out = new StringBuilder();
    for (String delta : deltas) {
      if (stop.finished()) {
        break;
      }
      out.append(stop.accept(TOKEN, delta));
    }
    return out.toString();
  }

  private static StopChecker checker(SamplingParams p) {
    return new StopChecker(p, new int[] {EOS}, CONTEXT);
  }

  private static Arguments stops(String name, List<String> stop, boolean include, List<String> deltas,
      List<String> texts, String stopString) {
    return Arguments.of(name, stop, include, deltas, texts, stopString);
  }
}
