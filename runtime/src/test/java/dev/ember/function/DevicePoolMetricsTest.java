package dev.ember.function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.coldstart.ColdStartOptions;
import dev.ember.http.HttpOptions;
import dev.ember.metrics.MetricsSetup;
import dev.ember.metrics.ScrapeText;
import dev.ember.http.OperationsRoutes;
import dev.ember.sample.SamplingParams;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine gauges and counters of a function on two device contexts ({@code cpu:0,cpu:1}), scraped from
 * a real {@code /metrics}: one series per context, labelled with its device, each following its own engine.
 */
class DevicePoolMetricsTest {
  private static final List<String> ENGINE_FAMILIES = List.of("vllm:num_requests_running",
      "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc", "vllm:prefix_cache_queries_total",
      "vllm:prefix_cache_hits_total", "vllm:num_preemptions_total");
  @TempDir
  Path snapshots;
  private Vertx vertx;
  private MetricsSetup metrics;
  private FunctionRegistry registry;
  private HttpServer server;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    metrics = MetricsSetup.create();
    registry = new FunctionRegistry(vertx, metrics.servingMetrics(),
        FunctionLoadOptions.defaults().withColdStart(ColdStartOptions.defaults().withSnapshotDirectory(snapshots)));
    metrics.watch(registry);
    Router router = Router.router(vertx);
    new OperationsRoutes(registry, metrics, HttpOptions.defaults()).mount(router);
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    registry.shutdown(Duration.ofSeconds(10)).await(60, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
    metrics.close();
  }

  private ScrapeText scrape() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.actualPort() + "/metrics")).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    return ScrapeText.parse(r.body());
  }

  private static double value(ScrapeText scrape, String family, String device) {
    return scrape.value(family, "model_name", DemoFunction.NAME, "device", device)
        .orElseThrow(() -> new AssertionError("no " + family + " series for device " + device));
  }

  @Test
  void everyEngineFamilyHasOneSeriesPerContextLabelledWithItsDevice() throws Exception {
    FunctionManifest m = FunctionManifests.validate(DemoFunction.manifest().withDevice("cpu:0,cpu:1"), "test");
    assertEquals(FunctionState.WARM, registry.deploy(m).await(180, TimeUnit.SECONDS).state());
    FunctionPool pool = registry.instance(DemoFunction.NAME).orElseThrow();
    assertEquals(List.of(FunctionState.WARM, FunctionState.WARM),
        pool.contexts().stream().map(FunctionPool.ContextInfo::state).toList());

    // Serve one request on the second context only: its counters move, the first context's do not.
    CompletableFuture<Void> done = new CompletableFuture<>();
    pool.instances().get(1).submit(new InferenceRequest("on-cpu1", DemoFunction.NAME,
        new Prompt.Text("the quick brown fox jumps over the lazy dog"),
        SamplingParams.builder().maxTokens(2).temperature(0).build(), null, 0), out -> {
          if (out.requestFinished()) {
            done.complete(null);
          }
        }).await(60, TimeUnit.SECONDS);
    done.get(60, TimeUnit.SECONDS);

    ScrapeText scrape = scrape();
    for (String family : ENGINE_FAMILIES) {
      List<String> devices = scrape.samples().stream()
          .filter(s -> s.name().equals(family) && DemoFunction.NAME.equals(s.labels().get("model_name")))
          .map(s -> s.labels().get("device")).sorted().toList();
      assertEquals(List.of("cpu:0", "cpu:1"), devices, family);
    }
    assertEquals(0, value(scrape, "vllm:prefix_cache_queries_total", "cpu:0"));
    assertTrue(value(scrape, "vllm:prefix_cache_queries_total", "cpu:1") > 0);
    // The request metrics carry the same device label.
    assertTrue(scrape.value("vllm:e2e_request_latency_seconds_count", "model_name", DemoFunction.NAME,
        "device", "cpu:1").orElse(0.0) >= 1);
  }
}
