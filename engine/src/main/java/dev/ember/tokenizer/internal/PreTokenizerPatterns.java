package dev.ember.tokenizer.internal;

import java.util.regex.Pattern;

/**
 * The pre-tokenizer split regexes of the byte-level BPE families Ember serves, written in the
 * syntax of Hugging Face tokenizers (Rust {@code onig}/{@code fancy-regex}), keyed by the GGUF
 * {@code tokenizer.ggml.pre} name.
 *
 * <p>Usage: {@code String regex = PreTokenizerPatterns.forGgufName("qwen2");}
 */
public final class PreTokenizerPatterns {

  /** Qwen2/Qwen2.5/Qwen3: single digits, letters with one leading non-letter. */
  public static final String QWEN2 =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
          + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

  /** Llama 3: like Qwen2 but digits in groups of up to three. */
  public static final String LLAMA3 =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
          + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

  /** GPT-2. */
  public static final String GPT2 =
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

  private PreTokenizerPatterns() {}

  /** The regex for a GGUF pre-tokenizer name: qwen2, llama-bpe, anything else gets GPT-2's. */
  public static String forGgufName(String name) {
    if ("qwen2".equals(name)) {
      return QWEN2;
    }
    if ("llama-bpe".equals(name) || "llama3".equals(name)) {
      return LLAMA3;
    }
    return GPT2;
  }

  /** The regex compiled for Java with Unicode-aware {@code \s}, matching the Rust semantics. */
  public static Pattern compile(String regex) {
    return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
  }
}
