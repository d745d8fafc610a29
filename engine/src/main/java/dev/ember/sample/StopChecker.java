package dev.ember.sample;

import java.util.List;

/**
 * Decides, token by token, when a sequence is finished and which of its detokenized text may be
 * streamed: end-of-sequence tokens (unless {@code ignore_eos}), stop token ids, stop strings and the
 * length limit. Text that could still grow into a stop string is held back, so nothing past (or,
 * by default, of) a stop string is ever emitted; a stop string may span any number of deltas.
 *
 * <p>Rules, following vLLM: no stop condition but the length limit applies before
 * {@code min_tokens} tokens are generated (stop strings are looked for in text produced from then
 * on); the text of an end-of-sequence or stop token is dropped unless
 * {@code include_stop_str_in_output}; a stop string ends the output right before it (or right after
 * it with {@code include_stop_str_in_output}) and the text after it is discarded. When several stop
 * strings match, the one that ends first wins, and of those the one that starts first, so the result
 * does not depend on how the text was split into deltas. A stop condition beats the length limit on
 * the same token. On any other finish the held text is flushed.
 *
 * <pre>{@code
 * StopChecker stop = new StopChecker(params, new int[] {eosId}, contextLength - promptLength);
 * String text = stop.accept(tokenId, delta);   // send text; it may be ""
 * if (stop.finished()) finish(stop.finishReason(), stop.stopReason());
 * }</pre>
 */
public final class StopChecker {
  private final int[] eosTokenIds;
  private final int[] stopTokenIds;
  private final String[] stopStrings;
  private final int maxStopLength;
  private final boolean includeStop;
  private final int minTokens;
  private final int tokenLimit;

  /** Recent text: the held (unemitted) tail plus, for matching across deltas, some emitted text. */
  private final StringBuilder window = new StringBuilder();
  private int held;
  private int generated;
  private FinishReason finishReason;
  private String stopString;
  private int stopTokenId = -1;

  /**
   * @param eosTokenIds the model's end-of-sequence ids
   * @param maxGeneratedTokens tokens the sequence may generate before reaching the context length;
   *     the length limit is the smaller of this and {@code max_tokens}
   */
  public StopChecker(SamplingParams params, int[] eosTokenIds, int maxGeneratedTokens) {
    if (maxGeneratedTokens < 1) {
      throw new IllegalArgumentException("maxGeneratedTokens must be >= 1, got " + maxGeneratedTokens);
    }
    this.eosTokenIds = params.ignoreEos() ? new int[0] : eosTokenIds.clone();
    this.stopTokenIds = params.stopTokenIds().stream().mapToInt(Integer::intValue).toArray();
    List<String> stop = params.stop();
    this.stopStrings = stop.toArray(new String[0]);
    this.maxStopLength = stop.stream().mapToInt(String::length).max().orElse(0);
    this.includeStop = params.includeStopStrInOutput();
    this.minTokens = params.minTokens();
    this.tokenLimit = params.maxTokens() == null
        ? maxGeneratedTokens
        : Math.min(params.maxTokens(), maxGeneratedTokens);
  }

  /**
   * Takes the next generated token and the text it added, and returns the text that may be sent
   * now ("" when everything is held back). After this returns with {@link #finished()} true the
   * sequence is done and the returned text was its last.
   */
  public String accept(int tokenId, String delta) {
    if (finishReason != null) {
      throw new IllegalStateException("sequence already finished: " + finishReason.openAiName());
    }
    if (delta == null) {
      delta = "";
    }
    generated++;
    if (generated < minTokens) {
      return pass(delta);
    }
    if (contains(eosTokenIds, tokenId)) {
      return finishOnToken(FinishReason.STOP, delta);
    }
    if (contains(stopTokenIds, tokenId)) {
      stopTokenId = tokenId;
      return finishOnToken(FinishReason.STOP, delta);
    }
    if (stopStrings.length == 0) {
      if (generated >= tokenLimit) {
        finishReason = FinishReason.LENGTH;
      }
      return delta;
    }
    int unemittedStart = window.length() - held;
    int searchedLength = window.length();
    window.append(delta);
    int matchStart = -1;
    int matchEnd = Integer.MAX_VALUE;
    for (String s : stopStrings) {
      // The window before this delta held no complete stop string: a match must end inside the delta.
      int index = window.indexOf(s, Math.max(0, searchedLength - s.length() + 1));
      if (index >= 0) {
        int end = index + s.length();
        if (end < matchEnd || (end == matchEnd && index < matchStart)) {
          matchStart = index;
          matchEnd = end;
          stopString = s;
        }
      }
    }
    if (matchStart >= 0) {
      finishReason = FinishReason.STOP;
      return takeUnemitted(unemittedStart, includeStop ? matchEnd : matchStart);
    }
    if (generated >= tokenLimit) {
      finishReason = FinishReason.LENGTH;
      return takeUnemitted(unemittedStart, window.length());
    }
    int hold = includeStop ? 0 : Math.min(longestStopPrefixSuffix(), window.length() - unemittedStart);
    int cut = window.length() - hold;
    if (cut > unemittedStart && Character.isHighSurrogate(window.charAt(cut - 1))) {
      cut--; // never emit half of a surrogate pair
    }
    String text = slice(unemittedStart, cut);
    held = window.length() - cut;
    int keep = Math.max(held, maxStopLength - 1);
    if (window.length() > keep) {
      window.delete(0, window.length() - keep);
    }
    return text;
  }

  /**
   * Marks the sequence aborted (cancelled or failed) and returns the text still held back, which the
   * caller may send or drop.
   */
  public String abort() {
    if (finishReason == null) {
      finishReason = FinishReason.ABORT;
    }
    String text = slice(window.length() - held, window.length());
    held = 0;
    window.setLength(0);
    return text;
  }

  public boolean finished() {
    return finishReason != null;
  }

  /** Why the sequence finished, or null while it runs. */
  public FinishReason finishReason() {
    return finishReason;
  }

  /** The stop string that matched, or null. */
  public String stopString() {
    return stopString;
  }

  /** The stop token id that ended the sequence, or -1 (also -1 for end-of-sequence tokens). */
  public int stopTokenId() {
    return stopTokenId;
  }

  /**
   * vLLM's {@code stop_reason}: the matched stop string, the stop token id, or null (end-of-sequence
   * token, length, abort, or still running).
   */
  public Object stopReason() {
    if (stopString != null) {
      return stopString;
    }
    return stopTokenId >= 0 ? Integer.valueOf(stopTokenId) : null;
  }

  /** Tokens accepted so far. */
  public int generatedCount() {
    return generated;
  }

  private String pass(String delta) {
    if (generated >= tokenLimit) {
      finishReason = FinishReason.LENGTH;
    }
    if (held == 0 && window.isEmpty()) {
      return delta;
    }
    String text = slice(window.length() - held, window.length()) + delta;
    held = 0;
    window.setLength(0);
    return text;
  }

  private String finishOnToken(FinishReason reason, String delta) {
    finishReason = reason;
    String text = slice(window.length() - held, window.length());
    held = 0;
    window.setLength(0);
    return includeStop ? text + delta : text;
  }

  private String takeUnemitted(int from, int to) {
    String text = slice(from, Math.max(from, to));
    held = 0;
    window.setLength(0);
    return text;
  }

  private String slice(int from, int to) {
    return from >= to ? "" : window.substring(from, to);
  }

  /** Length of the longest suffix of the window that is a proper prefix of some stop string. */
  private int longestStopPrefixSuffix() {
    int length = window.length();
    for (int n = Math.min(maxStopLength - 1, length); n > 0; n--) {
      int start = length - n;
      for (String s : stopStrings) {
        if (s.length() > n && regionMatches(start, s, n)) {
          return n;
        }
      }
    }
    return 0;
  }

  private boolean regionMatches(int start, String s, int n) {
    for (int i = 0; i < n; i++) {
      if (window.charAt(start + i) != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static boolean contains(int[] ids, int id) {
    for (int x : ids) {
      if (x == id) {
        return true;
      }
    }
    return false;
  }
}
