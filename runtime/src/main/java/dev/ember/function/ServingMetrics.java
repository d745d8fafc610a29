package dev.ember.function;

import dev.ember.engine.RequestTimings;
import dev.ember.engine.Usage;
import dev.ember.sample.FinishReason;

/**
 * The function layer's port for per-request serving metrics (vLLM's metric names; implemented for
 * Prometheus by {@code dev.ember.metrics.PrometheusServingMetrics}): called on the
 * function's worker thread, so implementations must be cheap and non-blocking (Micrometer meters are).
 */
public interface ServingMetrics {
  /** The device label of a function on the default device (every CPU of the process). */
  String DEFAULT_DEVICE = "cpu";

  /** A request finished on one device context of a function: tokens, latency milestones and why it ended. */
  void requestFinished(String function, String device, Usage usage, RequestTimings timings, FinishReason reason);

  /** Time between two consecutive tokens of one sequence. */
  void interTokenLatency(String function, String device, long nanos);

  /** A cold start of one device context completed; phase durations in nanoseconds by phase name. */
  void coldStart(String function, String device, java.util.Map<String, Long> phaseNanos);

  /** As above, on the default device. */
  default void requestFinished(String function, Usage usage, RequestTimings timings, FinishReason reason) {
    requestFinished(function, DEFAULT_DEVICE, usage, timings, reason);
  }

  default void interTokenLatency(String function, long nanos) {
    interTokenLatency(function, DEFAULT_DEVICE, nanos);
  }

  default void coldStart(String function, java.util.Map<String, Long> phaseNanos) {
    coldStart(function, DEFAULT_DEVICE, phaseNanos);
  }

  /** Discards everything. */
  ServingMetrics NOOP = new ServingMetrics() {
    @Override
    public void requestFinished(String function, String device, Usage usage, RequestTimings timings,
        FinishReason reason) {}

    @Override
    public void interTokenLatency(String function, String device, long nanos) {}

    @Override
    public void coldStart(String function, String device, java.util.Map<String, Long> phaseNanos) {}
  };
}
