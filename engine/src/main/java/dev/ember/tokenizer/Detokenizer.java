package dev.ember.tokenizer;

import java.util.Arrays;

/**
 * Streaming decode of one generated sequence, vLLM-style: it keeps a small window of ids, the
 * text of the window's already-emitted part ({@code prefix..read}) and emits what decoding the
 * whole window adds, but only once that text does not end in U+FFFD (a token ending inside a
 * UTF-8 character, as byte-level and byte-fallback tokens can). Each push decodes a few tokens,
 * never the whole output. Not thread-safe: one per sequence.
 *
 * <p>Usage:
 * <pre>{@code
 * Detokenizer d = tokenizer.newDetokenizer(true);
 * for (int id : generated) out.append(d.push(id));
 * out.append(d.flush());
 * }</pre>
 */
public final class Detokenizer {

  /** Pending tokens after which an incomplete character is given up on and emitted as U+FFFD. */
  static final int MAX_PENDING = 8;

  private static final char REPLACEMENT = '\uFFFD';

  private final Tokenizer tokenizer;
  private final boolean skipSpecialTokens;
  private long[] window = new long[16];
  private int count;
  private int readOffset;
  private String prefixText = "";

  Detokenizer(Tokenizer tokenizer, boolean skipSpecialTokens) {
    this.tokenizer = tokenizer;
    this.skipSpecialTokens = skipSpecialTokens;
  }

  /** Adds one generated id; returns the text it completes (often empty for partial characters). */
  public String push(int tokenId) {
    if (count == window.length) {
      window = Arrays.copyOf(window, count * 2);
    }
    window[count++] = tokenId;
    return emit(false);
  }

  /** Emits whatever is still held back (an incomplete character becomes U+FFFD). */
  public String flush() {
    return count > readOffset ? emit(true) : "";
  }

  private String emit(boolean force) {
    String text = tokenizer.decode(Arrays.copyOf(window, count), skipSpecialTokens);
    boolean incomplete = !text.isEmpty() && text.charAt(text.length() - 1) == REPLACEMENT;
    if (incomplete && !force && count - readOffset < MAX_PENDING) {
      return "";
    }
    String added = text.length() > prefixText.length() ? text.substring(prefixText.length()) : "";
    // Slide: the just-read tokens become the new prefix context.
    int keep = count - readOffset;
    System.arraycopy(window, readOffset, window, 0, keep);
    count = keep;
    readOffset = keep;
    prefixText = tokenizer.decode(Arrays.copyOf(window, count), skipSpecialTokens);
    return added;
  }
}
