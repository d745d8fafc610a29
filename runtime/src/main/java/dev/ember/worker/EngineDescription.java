package dev.ember.worker;

/**
 * Which function an engine serves, on which device, and the size of its KV blocks in tokens.
 *
 * <pre>{@code new EngineDescription("demo", "cpu", 16) }</pre>
 */
public record EngineDescription(String function, String device, int blockSize) {}
