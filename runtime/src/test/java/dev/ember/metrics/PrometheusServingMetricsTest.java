package dev.ember.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.engine.RequestTimings;
import dev.ember.engine.Usage;
import dev.ember.function.FunctionState;
import dev.ember.sample.FinishReason;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PrometheusServingMetricsTest {
  private static final long MS = 1_000_000L;
  private final MetricsSetup setup = MetricsSetup.create();
  private final PrometheusServingMetrics metrics = setup.servingMetrics();

  @AfterEach
  void close() {
    setup.close();
  }

  private ScrapeText scrape() {
    return ScrapeText.parse(setup.scrape(null).body());
  }

  private double value(String name, String... labels) {
    return scrape().value(name, labels).orElseThrow(() -> new AssertionError("no sample " + name));
  }

  @ParameterizedTest
  @ValueSource(strings = {"vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
      "vllm:prefix_cache_queries_total", "vllm:prefix_cache_hits_total", "vllm:num_preemptions_total",
      "vllm:prompt_tokens_total", "vllm:generation_tokens_total", "vllm:request_success_total",
      "vllm:time_to_first_token_seconds_bucket", "vllm:time_to_first_token_seconds_sum",
      "vllm:time_to_first_token_seconds_count", "vllm:time_per_output_token_seconds_bucket",
      "vllm:time_per_output_token_seconds_count", "vllm:inter_token_latency_seconds_count",
      "vllm:e2e_request_latency_seconds_bucket", "vllm:e2e_request_latency_seconds_count",
      "vllm:request_queue_time_seconds_bucket", "vllm:request_queue_time_seconds_count",
      "ember_cold_start_seconds_count", "ember_function_state"})
  void exposesVllmFamilyWithModelNameLabel(String name) {
    setup.watch(new FakeGateway().put("fn-a", FunctionState.WARM, FakeGateway.stats(1, 2, 0.5, 10, 4, 1)));
    metrics.requestFinished("fn-a", new Usage(7, 3, 0), new RequestTimings(MS, 20 * MS, 50 * MS, 0), FinishReason.STOP);
    metrics.interTokenLatency("fn-a", 15 * MS);
    metrics.coldStart("fn-a", Map.of("load", 300 * MS));

    assertTrue(scrape().value(name, "model_name", "fn-a").isPresent(), name + " with model_name=fn-a");
  }

  @Test
  void tokenCountersSumEveryRequestsUsage() {
    metrics.requestFinished("f", new Usage(7, 3, 0), new RequestTimings(0, MS, 2 * MS, 0), FinishReason.STOP);
    metrics.requestFinished("f", new Usage(5, 4, 2), new RequestTimings(0, MS, 2 * MS, 0), FinishReason.LENGTH);

    assertEquals(12, value("vllm:prompt_tokens_total", "model_name", "f"));
    assertEquals(7, value("vllm:generation_tokens_total", "model_name", "f"));
  }

  @Test
  void requestSuccessCountsByFinishReason() {
    RequestTimings t = new RequestTimings(0, MS, 2 * MS, 0);
    metrics.requestFinished("f", new Usage(1, 1, 0), t, FinishReason.STOP);
    metrics.requestFinished("f", new Usage(1, 1, 0), t, FinishReason.STOP);
    metrics.requestFinished("f", new Usage(1, 0, 0), t, FinishReason.ABORT);

    assertEquals(2, value("vllm:request_success_total", "model_name", "f", "finished_reason", "stop"));
    assertEquals(0, value("vllm:request_success_total", "model_name", "f", "finished_reason", "length"));
    assertEquals(1, value("vllm:request_success_total", "model_name", "f", "finished_reason", "abort"));
  }

  @Test
  void timeToFirstTokenLandsInVllmBuckets() {
    metrics.requestFinished("f", new Usage(4, 2, 0), new RequestTimings(MS, 30 * MS, 40 * MS, 0), FinishReason.STOP);

    assertEquals(0, value("vllm:time_to_first_token_seconds_bucket", "model_name", "f", "le", "0.02"));
    assertEquals(1, value("vllm:time_to_first_token_seconds_bucket", "model_name", "f", "le", "0.04"));
    assertEquals(1, value("vllm:time_to_first_token_seconds_bucket", "model_name", "f", "le", "+Inf"));
    assertEquals(0.03, value("vllm:time_to_first_token_seconds_sum", "model_name", "f"), 1e-9);
  }

  @Test
  void endToEndAndQueueTimeAreTheTimingsInSeconds() {
    metrics.requestFinished("f", new Usage(4, 2, 0), new RequestTimings(250 * MS, 300 * MS, 1500 * MS, 0),
        FinishReason.STOP);

    assertEquals(1.5, value("vllm:e2e_request_latency_seconds_sum", "model_name", "f"), 1e-9);
    assertEquals(0.25, value("vllm:request_queue_time_seconds_sum", "model_name", "f"), 1e-9);
  }

  @Test
  void timePerOutputTokenIsDecodeTimeOverTokensAfterTheFirst() {
    metrics.requestFinished("f", new Usage(4, 11, 0), new RequestTimings(0, 100 * MS, 1100 * MS, 0), FinishReason.STOP);

    assertEquals(1, value("vllm:time_per_output_token_seconds_count", "model_name", "f"));
    assertEquals(0.1, value("vllm:time_per_output_token_seconds_sum", "model_name", "f"), 1e-9);
  }

  @Test
  void requestAbortedBeforeItsFirstTokenHasNoTimeToFirstToken() {
    metrics.requestFinished("f", new Usage(4, 0, 0), new RequestTimings(5 * MS, 0, 5 * MS, 0), FinishReason.ABORT);

    assertEquals(0, value("vllm:time_to_first_token_seconds_count", "model_name", "f"));
    assertEquals(1, value("vllm:e2e_request_latency_seconds_count", "model_name", "f"));
  }

  @Test
  void interTokenLatencyObservesEveryGap() {
    metrics.interTokenLatency("f", 20 * MS);
    metrics.interTokenLatency("f", 30 * MS);

    assertEquals(2, value("vllm:inter_token_latency_seconds_count", "model_name", "f"));
    assertEquals(0.05, value("vllm:inter_token_latency_seconds_sum", "model_name", "f"), 1e-9);
  }

  @Test
  void coldStartIsObservedPerPhase() {
    metrics.coldStart("f", Map.of("map_weights", 1500 * MS, "allocate_kv", 200 * MS));

    assertEquals(1.5, value("ember_cold_start_seconds_sum", "model_name", "f", "phase", "map_weights"), 1e-9);
    assertEquals(0.2, value("ember_cold_start_seconds_sum", "model_name", "f", "phase", "allocate_kv"), 1e-9);
  }

  @Test
  void eachDeviceContextHasItsOwnSeries() {
    metrics.requestFinished("f", "cpu:0", new Usage(3, 1, 0), new RequestTimings(0, MS, MS, 0), FinishReason.STOP);
    metrics.requestFinished("f", "cpu:1", new Usage(5, 1, 0), new RequestTimings(0, MS, MS, 0), FinishReason.STOP);
    metrics.requestFinished("f", "cpu:1", new Usage(2, 1, 0), new RequestTimings(0, MS, MS, 0), FinishReason.STOP);
    metrics.coldStart("f", "cpu:1", Map.of("load", MS));
    metrics.requestFinished("g", new Usage(1, 1, 0), new RequestTimings(0, MS, MS, 0), FinishReason.STOP);

    assertEquals(3, value("vllm:prompt_tokens_total", "model_name", "f", "device", "cpu:0"));
    assertEquals(7, value("vllm:prompt_tokens_total", "model_name", "f", "device", "cpu:1"));
    assertEquals(2, value("vllm:request_success_total", "model_name", "f", "device", "cpu:1", "finished_reason", "stop"));
    assertEquals(1, value("ember_cold_start_seconds_count", "model_name", "f", "device", "cpu:1", "phase", "load"));
    assertEquals(1, value("vllm:prompt_tokens_total", "model_name", "g", "device", "cpu"));
  }

  @Test
  void forgetRemovesAFunctionsSeries() {
    metrics.requestFinished("gone", new Usage(1, 1, 0), new RequestTimings(0, MS, MS, 0), FinishReason.STOP);
    metrics.requestFinished("kept", new Usage(1, 1, 0), new RequestTimings(0, MS, MS, 0), FinishReason.STOP);
    metrics.coldStart("gone", Map.of("load", MS));
    metrics.requestFinished("gone", "cpu:1", new Usage(1, 1, 0), new RequestTimings(0, MS, MS, 0), FinishReason.STOP);

    metrics.forget("gone");

    ScrapeText s = scrape();
    assertFalse(s.samples().stream().anyMatch(x -> "gone".equals(x.labels().get("model_name"))));
    assertTrue(s.value("vllm:prompt_tokens_total", "model_name", "kept").isPresent());
  }

  @Test
  void jvmMetricsShareTheScrape() {
    assertTrue(scrape().value("jvm_memory_used_bytes").isPresent());
  }

  @Test
  void openMetricsIsServedWhenAskedFor() {
    metrics.requestFinished("f", new Usage(1, 1, 0), new RequestTimings(0, MS, MS, 0), FinishReason.STOP);

    Exposition e = setup.scrape("application/openmetrics-text; version=1.0.0,text/plain;q=0.5");

    assertEquals(Exposition.OPENMETRICS_CONTENT_TYPE, e.contentType());
    assertTrue(e.body().contains("vllm:prompt_tokens_total{device=\"cpu\",model_name=\"f\"} 1"), e.body());
    assertTrue(e.body().stripTrailing().endsWith("# EOF"));
  }

  @Test
  void prometheusTextIsTheDefault() {
    assertEquals(Exposition.TEXT_CONTENT_TYPE, setup.scrape(null).contentType());
    assertEquals(Exposition.TEXT_CONTENT_TYPE, setup.scrape("text/plain").contentType());
  }
}
