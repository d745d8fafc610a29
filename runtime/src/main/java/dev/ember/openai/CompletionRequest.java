package dev.ember.openai;

import dev.ember.function.InferenceRequest;
import dev.ember.function.Prompt;
import dev.ember.sample.SamplingParams;

/**
 * A parsed and validated {@code /v1/chat/completions} or {@code /v1/completions} request: what to
 * submit, plus how the door answers (streaming, a usage chunk).
 *
 * <pre>{@code CompletionRequest r = CompletionRequestParser.chat(body, null); r.toInference(id); }</pre>
 *
 * @param model the function name
 * @param includeUsage whether a stream ends with a usage chunk ({@code stream_options.include_usage})
 */
public record CompletionRequest(Kind kind, String model, Prompt prompt, SamplingParams params, boolean stream,
    boolean includeUsage, String cacheSalt, int priority, boolean warmupEvents) {

  /** Which OpenAI API the request came through; it decides the response shapes. */
  public enum Kind {
    CHAT("chatcmpl-", "chat.completion", "chat.completion.chunk"),
    COMPLETION("cmpl-", "text_completion", "text_completion");

    private final String idPrefix;
    private final String object;
    private final String chunkObject;

    Kind(String idPrefix, String object, String chunkObject) {
      this.idPrefix = idPrefix;
      this.object = object;
      this.chunkObject = chunkObject;
    }

    public String idPrefix() {
      return idPrefix;
    }

    /** The {@code object} of a complete response. */
    public String object() {
      return object;
    }

    /** The {@code object} of a streamed chunk. */
    public String chunkObject() {
      return chunkObject;
    }
  }

  public InferenceRequest toInference(String requestId) {
    return new InferenceRequest(requestId, model, prompt, params, cacheSalt, priority);
  }
}
