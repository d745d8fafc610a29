package dev.ember.metrics;

import dev.ember.engine.RequestTimings;
import dev.ember.engine.Usage;
import dev.ember.function.ServingMetrics;
import dev.ember.sample.FinishReason;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-request vLLM metric families, written through the Prometheus client itself because
 * Micrometer's naming convention turns {@code vllm:} into {@code vllm_}: token counters,
 * {@code vllm:request_success_total{finished_reason}}, and the TTFT, TPOT, inter-token, end-to-end
 * and queue-time histograms (vLLM's buckets), plus {@code ember_cold_start_seconds{phase}}. Every
 * series carries {@code model_name} = the function name and {@code device} = the device context that
 * ran it ({@code cpu}, {@code cpu:0-7}, {@code numa:1}; like vLLM's {@code engine} label for its
 * data-parallel engines). Recording allocates nothing once a context's series exist.
 *
 * <p>{@code vllm:time_per_output_token_seconds} is observed once per request (decode time divided by
 * the tokens after the first, vLLM v1's definition); each token gap goes to
 * {@code vllm:inter_token_latency_seconds}.
 *
 * <pre>{@code ServingMetrics metrics = new PrometheusServingMetrics(meterRegistry.getPrometheusRegistry()); }</pre>
 */
public final class PrometheusServingMetrics implements ServingMetrics {
  static final String MODEL_NAME = "model_name";
  static final String DEVICE = "device";
  private static final double NANOS_PER_SECOND = 1e9;
  private static final FinishReason[] REASONS = FinishReason.values();

  private final Counter promptTokens;
  private final Counter generationTokens;
  private final Counter requestSuccess;
  private final Histogram timeToFirstToken;
  private final Histogram timePerOutputToken;
  private final Histogram interTokenLatency;
  private final Histogram e2eLatency;
  private final Histogram queueTime;
  private final Histogram coldStart;
  private final ConcurrentHashMap<SeriesKey, FunctionSeries> series = new ConcurrentHashMap<>();

  public PrometheusServingMetrics(PrometheusRegistry registry) {
    promptTokens = counter("vllm:prompt_tokens", "Prefill tokens processed.").labelNames(MODEL_NAME, DEVICE).register(registry);
    generationTokens = counter("vllm:generation_tokens", "Generation tokens processed.").labelNames(MODEL_NAME, DEVICE)
        .register(registry);
    requestSuccess = counter("vllm:request_success", "Finished requests by finish reason.")
        .labelNames(MODEL_NAME, DEVICE, "finished_reason").register(registry);
    timeToFirstToken = histogram("vllm:time_to_first_token_seconds", "Time to first token in seconds.",
        LatencyBuckets.TIME_TO_FIRST_TOKEN).labelNames(MODEL_NAME, DEVICE).register(registry);
    timePerOutputToken = histogram("vllm:time_per_output_token_seconds",
        "Mean time per output token of a request after its first, in seconds.", LatencyBuckets.PER_OUTPUT_TOKEN)
        .labelNames(MODEL_NAME, DEVICE).register(registry);
    interTokenLatency = histogram("vllm:inter_token_latency_seconds", "Time between consecutive tokens in seconds.",
        LatencyBuckets.PER_OUTPUT_TOKEN).labelNames(MODEL_NAME, DEVICE).register(registry);
    e2eLatency = histogram("vllm:e2e_request_latency_seconds", "End-to-end request latency in seconds.",
        LatencyBuckets.REQUEST).labelNames(MODEL_NAME, DEVICE).register(registry);
    queueTime = histogram("vllm:request_queue_time_seconds", "Time a request waited before first scheduled, in seconds.",
        LatencyBuckets.REQUEST).labelNames(MODEL_NAME, DEVICE).register(registry);
    coldStart = histogram("ember_cold_start_seconds", "Cold start duration of a function by phase, in seconds.",
        LatencyBuckets.COLD_START).labelNames(MODEL_NAME, DEVICE, "phase").register(registry);
  }

  @Override
  public void requestFinished(String function, String device, Usage usage, RequestTimings timings,
      FinishReason reason) {
    FunctionSeries s = series(function, device);
    s.promptTokens.inc(usage.promptTokens());
    s.generationTokens.inc(usage.completionTokens());
    s.success[reason.ordinal()].inc();
    s.e2eLatency.observe(timings.finishedNanos() / NANOS_PER_SECOND);
    s.queueTime.observe(timings.queuedNanos() / NANOS_PER_SECOND);
    if (timings.firstTokenNanos() > 0) {
      s.timeToFirstToken.observe(timings.firstTokenNanos() / NANOS_PER_SECOND);
      if (usage.completionTokens() > 1) {
        double decodeSeconds = (timings.finishedNanos() - timings.firstTokenNanos()) / NANOS_PER_SECOND;
        s.timePerOutputToken.observe(decodeSeconds / (usage.completionTokens() - 1));
      }
    }
  }

  @Override
  public void interTokenLatency(String function, String device, long nanos) {
    series(function, device).interTokenLatency.observe(nanos / NANOS_PER_SECOND);
  }

  @Override
  public void coldStart(String function, String device, Map<String, Long> phaseNanos) {
    phaseNanos.forEach((phase, nanos) -> coldStart.labelValues(function, device, phase).observe(nanos / NANOS_PER_SECOND));
  }

  /** Drops every series of a function (after it was deleted), so scrapes stop reporting it. */
  public void forget(String function) {
    series.keySet().removeIf(k -> k.function().equals(function));
    promptTokens.removeIf(labels -> labels.get(0).equals(function));
    generationTokens.removeIf(labels -> labels.get(0).equals(function));
    requestSuccess.removeIf(labels -> labels.get(0).equals(function));
    timeToFirstToken.removeIf(labels -> labels.get(0).equals(function));
    timePerOutputToken.removeIf(labels -> labels.get(0).equals(function));
    interTokenLatency.removeIf(labels -> labels.get(0).equals(function));
    e2eLatency.removeIf(labels -> labels.get(0).equals(function));
    queueTime.removeIf(labels -> labels.get(0).equals(function));
    coldStart.removeIf(labels -> labels.get(0).equals(function));
  }

  private record SeriesKey(String function, String device) {}

  private FunctionSeries series(String function, String device) {
    SeriesKey key = new SeriesKey(function, device);
    FunctionSeries s = series.get(key);
    return s != null ? s : series.computeIfAbsent(key, k -> new FunctionSeries(k.function(), k.device()));
  }

  private static Counter.Builder counter(String name, String help) {
    return Counter.builder().name(name).help(help).withoutExemplars();
  }

  private static Histogram.Builder histogram(String name, String help, double[] buckets) {
    return Histogram.builder().name(name).help(help).classicOnly().classicUpperBounds(buckets).withoutExemplars();
  }

  /** One function's data points, looked up once so that recording is a map read plus atomic adds. */
  private final class FunctionSeries {
    final CounterDataPoint promptTokens;
    final CounterDataPoint generationTokens;
    final CounterDataPoint[] success = new CounterDataPoint[REASONS.length];
    final DistributionDataPoint timeToFirstToken;
    final DistributionDataPoint timePerOutputToken;
    final DistributionDataPoint interTokenLatency;
    final DistributionDataPoint e2eLatency;
    final DistributionDataPoint queueTime;

    FunctionSeries(String function, String device) {
      PrometheusServingMetrics m = PrometheusServingMetrics.this;
      promptTokens = m.promptTokens.labelValues(function, device);
      generationTokens = m.generationTokens.labelValues(function, device);
      for (FinishReason r : REASONS) {
        success[r.ordinal()] = m.requestSuccess.labelValues(function, device, r.openAiName());
      }
      timeToFirstToken = m.timeToFirstToken.labelValues(function, device);
      timePerOutputToken = m.timePerOutputToken.labelValues(function, device);
      interTokenLatency = m.interTokenLatency.labelValues(function, device);
      e2eLatency = m.e2eLatency.labelValues(function, device);
      queueTime = m.queueTime.labelValues(function, device);
    }
  }
}
