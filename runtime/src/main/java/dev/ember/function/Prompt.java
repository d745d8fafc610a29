package dev.ember.function;

import java.util.List;
import java.util.Map;

/**
 * What a request asks the model to continue: plain text (completions), token ids (completions with
 * a token-array prompt), or chat messages rendered with the function's chat template.
 */
public sealed interface Prompt {
  /** Text encoded with the tokenizer (adding BOS when the tokenizer does). */
  record Text(String text) implements Prompt {}

  /** Token ids used as they are. */
  record Tokens(int[] ids) implements Prompt {}

  /**
   * Chat messages (maps with "role", "content", ...) rendered by the chat template.
   *
   * @param addGenerationPrompt whether the template appends the assistant turn's opening
   * @param templateVariables extra template variables (e.g. {@code enable_thinking}), may be empty
   */
  record Chat(List<Map<String, Object>> messages, boolean addGenerationPrompt, Map<String, Object> templateVariables)
      implements Prompt {}
}
