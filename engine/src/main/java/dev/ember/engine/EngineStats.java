package dev.ember.engine;

/**
 * A snapshot of an engine's counters. Cumulative counters only grow; the step time split tells where
 * a step's time goes (schedule + build, the native forward, sampling + output).
 *
 * @param kvUsage fraction of KV blocks in use (vLLM's kv_cache_usage_perc)
 * @param prefixCacheQueries prompt tokens looked up in the prefix cache
 * @param prefixCacheHits of those, tokens found cached
 */
public record EngineStats(
    int running,
    int waiting,
    double kvUsage,
    int freeBlocks,
    long prefixCacheQueries,
    long prefixCacheHits,
    long preemptions,
    long steps,
    long requestsSubmitted,
    long requestsFinished,
    long promptTokens,
    long generationTokens,
    long scheduleNanos,
    long forwardNanos,
    long sampleNanos) {

  /** Share of step time spent outside the native forward (scheduling, batch building, sampling, outputs). */
  public double overheadFraction() {
    long total = scheduleNanos + forwardNanos + sampleNanos;
    return total == 0 ? 0 : (double) (scheduleNanos + sampleNanos) / total;
  }
}
