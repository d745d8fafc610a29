package dev.ember.metrics;

import dev.ember.engine.RequestTimings;
import dev.ember.engine.Usage;
import dev.ember.sample.FinishReason;

/**
 * What the function layer reports per request for Prometheus (vLLM's metric names): called on the
 * function's worker thread, so implementations must be cheap and non-blocking (Micrometer meters are).
 */
public interface ServingMetrics {
  /** A request finished: tokens, latency milestones and why it ended. */
  void requestFinished(String function, Usage usage, RequestTimings timings, FinishReason reason);

  /** Time between two consecutive tokens of one sequence. */
  void interTokenLatency(String function, long nanos);

  /** A cold start of a function completed; phase durations in nanoseconds by phase name. */
  void coldStart(String function, java.util.Map<String, Long> phaseNanos);

  /** Discards everything. */
  ServingMetrics NOOP = new ServingMetrics() {
    @Override
    public void requestFinished(String function, Usage usage, RequestTimings timings, FinishReason reason) {}

    @Override
    public void interTokenLatency(String function, long nanos) {}

    @Override
    public void coldStart(String function, java.util.Map<String, Long> phaseNanos) {}
  };
}
