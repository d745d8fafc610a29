package dev.ember.function;

import dev.ember.sample.SamplingParams;

/**
 * A validated request for one function, independent of the door it came through (HTTP or Kafka):
 * the prompt, sampling parameters, the tenant's prefix-cache salt and a priority.
 */
public record InferenceRequest(String requestId, String function, Prompt prompt, SamplingParams params,
    String cacheSalt, int priority) {}
