package dev.ember.cli;

import java.util.SplittableRandom;

/**
 * The prompts of the serving benchmarks ({@code bench serve}, {@code bench kafka}): random common English
 * words, reproducible from a seed, so both doors can be given the same load. A prompt of about N tokens
 * is N times the words per token that the server's tokenizer reports for a calibration prompt.
 *
 * <pre>{@code String p = BenchPrompts.prompt(new SplittableRandom(seed + i), words); }</pre>
 */
final class BenchPrompts {
  /** Words in the prompt used to calibrate words per token. */
  static final int CALIBRATION_WORDS = 200;
  private static final String[] WORDS = ("time year people way day man thing woman life child world school state "
      + "family student group country problem hand part place case week company system program question work "
      + "government number night point home water room mother area money story fact month lot right study book "
      + "eye job word business issue side kind head house service friend father power hour game line end member "
      + "law car city community name president team minute idea kid body information back parent face others "
      + "level office door health person art war history party result change morning reason research girl guy "
      + "moment air teacher force education").split(" ");

  private BenchPrompts() {}

  /** The calibration prompt for a run with {@code seed}. */
  static String calibration(long seed) {
    return prompt(new SplittableRandom(seed - 1), CALIBRATION_WORDS);
  }

  /** Request {@code i}'s prompt of {@code words} words. */
  static String request(long seed, int i, int words) {
    return prompt(new SplittableRandom(seed + i), words);
  }

  /** Words for about {@code tokens} tokens, given {@code calibrationTokens} for the calibration prompt (0: unknown). */
  static int words(int tokens, int calibrationTokens) {
    double wordsPerToken = calibrationTokens > 0 ? (double) CALIBRATION_WORDS / calibrationTokens : 1.0;
    return Math.max(1, (int) Math.round(tokens * wordsPerToken));
  }

  /** {@code words} words drawn from {@code rnd}. */
  static String words(SplittableRandom rnd, int words) {
    return prompt(rnd, words);
  }

  private static String prompt(SplittableRandom rnd, int words) {
    StringBuilder b = new StringBuilder(words * 7);
    for (int i = 0; i < words; i++) {
      b.append(i == 0 ? "" : " ").append(WORDS[rnd.nextInt(WORDS.length)]);
    }
    return b.toString();
  }
}
