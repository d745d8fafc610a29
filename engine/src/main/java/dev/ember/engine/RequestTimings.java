package dev.ember.engine;

/**
 * When a finished request passed its milestones, in nanoseconds after it was submitted (vLLM's
 * queue time, time to first token and end-to-end latency).
 */
public record RequestTimings(long queuedNanos, long firstTokenNanos, long finishedNanos, int preemptions) {}
