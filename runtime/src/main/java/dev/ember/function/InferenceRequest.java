package dev.ember.function;

import dev.ember.kv.PromptHashes;
import dev.ember.sample.SamplingParams;

/**
 * A validated request for one function, independent of the door it came through (HTTP or Kafka):
 * the prompt, sampling parameters, the tenant's prefix-cache salt and a priority.
 *
 * @param promptHashes the block hashes of a token-id prompt, when a router already computed them (the
 *     engine then does not hash the prompt again), or null
 */
public record InferenceRequest(String requestId, String function, Prompt prompt, SamplingParams params,
    String cacheSalt, int priority, PromptHashes promptHashes) {

  /** A request with no precomputed prompt hashes. */
  public InferenceRequest(String requestId, String function, Prompt prompt, SamplingParams params, String cacheSalt,
      int priority) {
    this(requestId, function, prompt, params, cacheSalt, priority, null);
  }
}
