package dev.ember.metrics;

/**
 * Histogram bucket upper bounds in seconds, the ones vLLM's Prometheus logger uses, so that
 * {@code histogram_quantile} queries of vLLM dashboards resolve the same way against Ember.
 *
 * <pre>{@code Histogram.builder().classicUpperBounds(LatencyBuckets.TIME_TO_FIRST_TOKEN) ...}</pre>
 */
public final class LatencyBuckets {
  /** {@code vllm:time_to_first_token_seconds}. */
  public static final double[] TIME_TO_FIRST_TOKEN = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5,
      0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};

  /** {@code vllm:time_per_output_token_seconds} and {@code vllm:inter_token_latency_seconds}. */
  public static final double[] PER_OUTPUT_TOKEN = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75,
      1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0};

  /** Whole-request durations: {@code vllm:e2e_request_latency_seconds}, {@code vllm:request_queue_time_seconds}. */
  public static final double[] REQUEST = {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0,
      60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};

  /** Cold start phases ({@code ember_cold_start_seconds}): from a page-cache hit to a large model off disk. */
  public static final double[] COLD_START = {0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0,
      300.0};

  private LatencyBuckets() {}
}
