package dev.ember.metrics;

import static dev.ember.metrics.FakeGateway.stats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.function.FunctionState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GatewayCollectorTest {
  private final MetricsSetup setup = MetricsSetup.create();
  private final FakeGateway gateway = new FakeGateway();

  GatewayCollectorTest() {
    setup.watch(gateway);
  }

  @AfterEach
  void close() {
    setup.close();
  }

  private double value(String name, String... labels) {
    return ScrapeText.parse(setup.scrape(null).body()).value(name, labels)
        .orElseThrow(() -> new AssertionError("no sample " + name));
  }

  @Test
  void gaugesFollowTheFunctionsEngineStats() {
    gateway.put("f", FunctionState.WARM, stats(3, 5, 0.25, 0, 0, 0));
    assertEquals(3, value("vllm:num_requests_running", "model_name", "f"));
    assertEquals(5, value("vllm:num_requests_waiting", "model_name", "f"));
    assertEquals(0.25, value("vllm:kv_cache_usage_perc", "model_name", "f"));

    gateway.put("f", FunctionState.WARM, stats(1, 0, 0.75, 0, 0, 0));
    assertEquals(1, value("vllm:num_requests_running", "model_name", "f"));
    assertEquals(0, value("vllm:num_requests_waiting", "model_name", "f"));
    assertEquals(0.75, value("vllm:kv_cache_usage_perc", "model_name", "f"));
  }

  @Test
  void unloadedFunctionReportsZeroGauges() {
    gateway.put("f", FunctionState.COLD, null);

    assertEquals(0, value("vllm:num_requests_running", "model_name", "f"));
    assertEquals(0, value("vllm:kv_cache_usage_perc", "model_name", "f"));
  }

  @Test
  void engineCountersAreExposedAsCounters() {
    gateway.put("f", FunctionState.WARM, stats(0, 0, 0, 100, 40, 2));

    assertEquals(100, value("vllm:prefix_cache_queries_total", "model_name", "f"));
    assertEquals(40, value("vllm:prefix_cache_hits_total", "model_name", "f"));
    assertEquals(2, value("vllm:num_preemptions_total", "model_name", "f"));
  }

  @Test
  void engineCountersContinueAcrossAnEngineRestart() {
    gateway.put("f", FunctionState.WARM, stats(0, 0, 0, 100, 40, 2));
    assertEquals(100, value("vllm:prefix_cache_queries_total", "model_name", "f"));

    gateway.put("f", FunctionState.COLD, null);
    assertEquals(100, value("vllm:prefix_cache_queries_total", "model_name", "f"));

    gateway.put("f", FunctionState.WARM, stats(0, 0, 0, 30, 10, 0));
    assertEquals(130, value("vllm:prefix_cache_queries_total", "model_name", "f"));
    assertEquals(50, value("vllm:prefix_cache_hits_total", "model_name", "f"));
    assertEquals(2, value("vllm:num_preemptions_total", "model_name", "f"));
  }

  @Test
  void functionStateIsOneForTheCurrentStateOnly() {
    gateway.put("f", FunctionState.WARMING, null);
    for (FunctionState s : FunctionState.values()) {
      assertEquals(s == FunctionState.WARMING ? 1 : 0,
          value("ember_function_state", "model_name", "f", "state", s.name()), s.name());
    }

    gateway.put("f", FunctionState.WARM, stats(0, 0, 0, 0, 0, 0));
    assertEquals(1, value("ember_function_state", "model_name", "f", "state", "WARM"));
    assertEquals(0, value("ember_function_state", "model_name", "f", "state", "WARMING"));
  }

  @Test
  void functionDeployedAfterStartupAppearsInTheNextScrape() {
    gateway.put("first", FunctionState.WARM, stats(0, 0, 0, 0, 0, 0));
    assertTrue(ScrapeText.parse(setup.scrape(null).body()).value("vllm:num_requests_running", "model_name", "later")
        .isEmpty());

    gateway.put("later", FunctionState.WARM, stats(2, 0, 0, 0, 0, 0));
    assertEquals(2, value("vllm:num_requests_running", "model_name", "later"));
  }
}
