package dev.ember.engine;

/** A prompt (plus the tokens asked for) does not fit the model's context; the message gives the counts. */
public final class PromptTooLongException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final int promptTokens;
  private final int maxModelLen;

  public PromptTooLongException(int promptTokens, Integer maxTokens, int maxModelLen) {
    super(maxTokens == null
        ? "this model's maximum context length is " + maxModelLen + " tokens, but the prompt has "
            + promptTokens + " tokens (leaving no room to generate)"
        : "this model's maximum context length is " + maxModelLen + " tokens, but " + (promptTokens + maxTokens)
            + " tokens were requested (" + promptTokens + " in the prompt, " + maxTokens + " for the completion)");
    this.promptTokens = promptTokens;
    this.maxModelLen = maxModelLen;
  }

  public int promptTokens() {
    return promptTokens;
  }

  public int maxModelLen() {
    return maxModelLen;
  }
}
