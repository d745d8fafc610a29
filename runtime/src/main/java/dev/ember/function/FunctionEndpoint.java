package dev.ember.function;

import dev.ember.engine.OutputSink;
import dev.ember.engine.RequestHandle;
import io.vertx.core.Future;

/**
 * One deployed function as the doors (HTTP, Kafka) see it. Every method is safe to call from an
 * event loop: tokenization, template rendering and engine work run on worker threads, and results
 * come back on the caller's context.
 */
public interface FunctionEndpoint {
  String name();

  FunctionInfo info();

  /**
   * Tokenizes the prompt (off the event loop), checks it against the context length, and queues it
   * in the engine. The future fails with {@link FunctionException} (400 bad prompt/params, 429 queue
   * full, 503 unavailable) and otherwise completes with the prompt's token count and a handle;
   * outputs then reach {@code sink} on the calling context, in order, ending with the request's final
   * output.
   */
  Future<Submission> submit(InferenceRequest request, OutputSink sink);

  /** Tokenizes a prompt without running it ({@code POST /tokenize}). */
  Future<int[]> tokenize(Prompt prompt);

  /** Decodes token ids to text ({@code POST /detokenize}). */
  Future<String> detokenize(int[] ids);

  /**
   * A queued request: its prompt token count, a handle to cancel it, and the cluster replica serving
   * it (null outside a cluster).
   */
  record Submission(int promptTokens, RequestHandle handle, String replica) {
    /** Served here, outside a cluster. */
    public Submission(int promptTokens, RequestHandle handle) {
      this(promptTokens, handle, null);
    }
  }
}
