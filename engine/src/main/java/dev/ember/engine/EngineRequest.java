package dev.ember.engine;

import dev.ember.kv.PromptHashes;
import dev.ember.sample.SamplingParams;

/**
 * One generation request: prompt token ids, sampling parameters, the tenant's prefix-cache salt,
 * a priority (lower first, under the PRIORITY policy) and where its outputs go.
 *
 * @param cacheSalt vLLM's {@code cache_salt}, or null: requests with different salts never share cached blocks
 * @param sink receives every output on the engine thread; it must not block
 * @param promptHashes the prompt's block hashes computed ahead of the engine (the cache takes them
 *     instead of hashing when they match its seed and block size), or null
 */
public record EngineRequest(String requestId, int[] promptTokenIds, SamplingParams params, String cacheSalt,
    int priority, OutputSink sink, PromptHashes promptHashes) {

  /** A request whose prompt the engine hashes itself. */
  public EngineRequest(String requestId, int[] promptTokenIds, SamplingParams params, String cacheSalt, int priority,
      OutputSink sink) {
    this(requestId, promptTokenIds, params, cacheSalt, priority, sink, null);
  }

  public EngineRequest {
    if (requestId == null || promptTokenIds == null || params == null || sink == null) {
      throw new IllegalArgumentException("requestId, promptTokenIds, params and sink are required");
    }
    promptTokenIds = promptTokenIds.clone();
  }

  @Override
  public int[] promptTokenIds() {
    return promptTokenIds.clone();
  }

  int promptLength() {
    return promptTokenIds.length;
  }

  int[] promptView() {
    return promptTokenIds;
  }
}
