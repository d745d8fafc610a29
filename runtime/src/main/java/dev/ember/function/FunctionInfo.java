package dev.ember.function;

import dev.ember.engine.EngineStats;

/**
 * A function's description and live state for {@code GET /functions/{name}} and metrics.
 *
 * @param reason why it is FAILED (or other state detail), or null
 * @param stats engine counters while loaded, or null when COLD/FAILED
 */
public record FunctionInfo(String name, String model, String device, FunctionState state, String reason,
    int maxModelLen, long createdEpochSeconds, EngineStats stats) {}
