package dev.ember.tokenizer;

import java.util.List;

/**
 * A byte-level BPE vocabulary as GGUF stores it ({@code tokenizer.ggml.*}) and as
 * {@code ember model create} generates it: tokens in id order (in GPT-2 byte-to-unicode form),
 * token types (1 normal, 3 control, 4 user-defined), merges ("a b" in rank order), special ids,
 * the pre-tokenizer name ({@code qwen2}, {@code llama-bpe}, {@code gpt2}) and a chat template.
 *
 * @param chatTemplate Jinja chat template, or null
 */
public record Vocabulary(
    List<String> tokens,
    List<Integer> tokenTypes,
    List<String> merges,
    int bosTokenId,
    int eosTokenId,
    String preTokenizer,
    String chatTemplate) {

  public static final int TYPE_NORMAL = 1;
  public static final int TYPE_CONTROL = 3;
  public static final int TYPE_USER_DEFINED = 4;

  public Vocabulary {
    tokens = List.copyOf(tokens);
    tokenTypes = List.copyOf(tokenTypes);
    merges = List.copyOf(merges);
    if (tokens.size() != tokenTypes.size()) {
      throw new IllegalArgumentException(tokens.size() + " tokens but " + tokenTypes.size() + " token types");
    }
  }

  /** Whether encoding prepends BOS: when there is one, except for Qwen's pre-tokenizer (Qwen adds none). */
  public boolean addsBosToken() {
    return bosTokenId >= 0 && !"qwen2".equals(preTokenizer);
  }
}
