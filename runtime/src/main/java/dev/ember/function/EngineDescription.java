package dev.ember.function;

/**
 * What identifies the KV blocks of one function's engine: replicas only share prefix-cache knowledge
 * when block size, hash scheme and seed agree.
 *
 * @param weightsKey digest of the weights (files and load type) and the KV cache type
 * @param numBlocks blocks in the KV pool, the reserved padding block included
 */
public record EngineDescription(String function, String device, String weightsKey, int blockSize, String hashScheme,
    String hashSeed, int numBlocks) {}
