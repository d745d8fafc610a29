package dev.ember.engine;

/**
 * Log-probability of a sampled token and of the top alternatives at its position (raw model
 * distribution, before sampling parameters).
 */
public record TokenLogprobs(int tokenId, float logprob, int[] topIds, float[] topLogprobs) {}
