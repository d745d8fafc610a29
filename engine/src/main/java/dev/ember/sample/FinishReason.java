package dev.ember.sample;

/**
 * Why a sequence stopped generating, with the names the OpenAI API uses for {@code finish_reason}.
 *
 * <pre>{@code json.put("finish_reason", checker.finishReason().openAiName());}</pre>
 */
public enum FinishReason {
  /** An end-of-sequence token, a stop token id or a stop string was produced. */
  STOP("stop"),
  /** {@code max_tokens} or the model's context length was reached. */
  LENGTH("length"),
  /** The request was cancelled or failed before it finished. */
  ABORT("abort");

  private final String openAiName;

  FinishReason(String openAiName) {
    this.openAiName = openAiName;
  }

  /** The value of the OpenAI {@code finish_reason} field. */
  public String openAiName() {
    return openAiName;
  }
}
