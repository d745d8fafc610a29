package dev.ember.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ember.function.DemoFunction;
import dev.ember.function.FunctionManifest;
import dev.ember.kafka.KafkaBrokerProcess;
import dev.ember.kafka.KafkaDoor;
import dev.ember.kafka.KafkaDoorMetrics;
import dev.ember.kafka.KafkaDoorOptions;
import dev.ember.metrics.ScrapeText;
import dev.ember.server.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The paths probes, health checks and scrapers call are real routes that answer as their role needs,
 * and the metrics autoscalers and the dashboard query are ones a replica exports: checked against a real
 * server with the demo function and a Kafka door on a real broker, after one request.
 */
class ProbesAndMetricsTest {
  private static final Pattern METRIC = Pattern.compile("(vllm:[a-zA-Z0-9_:]+|ember_[a-zA-Z0-9_]+)");
  private static KafkaBrokerProcess broker;
  private static TestServer server;
  private static KafkaDoor door;
  private static Set<String> exported;

  @BeforeAll
  static void startReplica() throws Exception {
    broker = KafkaBrokerProcess.start();
    FunctionManifest demo = DemoFunction.manifest();
    broker.createTopic(demo.kafka().requestTopic(), 1);
    server = TestServer.start(List.of(demo), Duration.ofSeconds(5));
    door = KafkaDoor.start(server.server().vertx(), server.server().registry(), new KafkaDoorOptions()
        .setBootstrapServers(broker.bootstrap()).addFunction(demo.name(), demo.kafka())).await(60, TimeUnit.SECONDS);
    KafkaDoorMetrics.bind(server.server().metrics().registry(), door);
    String chat = new JsonObject().put("model", demo.name()).put("max_tokens", 4)
        .put("messages", List.of(Map.of("role", "user", "content", "Hello"))).encode();
    HttpResponse<String> answer = server.send(server.post("/v1/chat/completions", "application/json", chat));
    assertEquals(200, answer.statusCode(), answer.body());
    exported = ScrapeText.parse(get("/metrics").body()).samples().stream().map(ScrapeText.Sample::name)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  @AfterAll
  static void stopReplica() throws Exception {
    if (door != null) {
      door.close().await(30, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  /** An unauthenticated GET, as kubelet, Docker and Prometheus send. */
  private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.server().port() + path))
        .timeout(Duration.ofSeconds(30)).GET().build();
    return server.client().send(r, HttpResponse.BodyHandlers.ofString());
  }

  static List<DeploymentPaths.Use> paths() throws Exception {
    return DeploymentPaths.all();
  }

  @ParameterizedTest
  @MethodSource("paths")
  void everyProbedPathAnswersAsItsRoleNeeds(DeploymentPaths.Use use) throws Exception {
    HttpResponse<String> r = get(use.path());
    assertEquals(200, r.statusCode(), use + ": " + r.body());
    switch (use.role()) {
      case LIVENESS -> assertEquals("live", new JsonObject(r.body()).getString("status"), use.toString());
      case READINESS -> assertEquals("ready", new JsonObject(r.body()).getString("status"), use.toString());
      case METRICS -> assertTrue(r.body().contains("# TYPE vllm:num_requests_waiting"), use.toString());
    }
  }

  @Test
  void aPathNoRouteServesIsNotFound() throws Exception {
    assertEquals(404, server.send(server.get("/health/livez")).statusCode(), "the route check must tell real paths from others");
  }

  @Test
  void theAutoscalersQueryMetricsAReplicaExports() throws Exception {
    List<String> queries = new ArrayList<>();
    for (String overlay : Kustomize.overlays()) {
      RenderedOverlay k = RenderedOverlay.of(overlay);
      for (JsonNode so : k.all("ScaledObject")) {
        for (JsonNode t : so.path("spec").path("triggers")) {
          if (t.path("type").asText().equals("prometheus")) {
            queries.add(overlay + " ScaledObject: " + t.path("metadata").path("query").asText());
          }
        }
      }
      for (JsonNode cm : k.all("ConfigMap")) {
        String rules = cm.path("data").path("config.yaml").asText(null);
        if (rules != null) {
          for (JsonNode rule : RepositoryFiles.yaml(rules).path("rules")) {
            queries.add(overlay + " Prometheus Adapter: " + rule.path("seriesQuery").asText());
          }
        }
      }
    }
    assertTrue(queries.size() >= 3, queries::toString);
    for (String q : queries) {
      List<String> names = METRIC.matcher(q).results().map(m -> m.group(1)).toList();
      assertTrue(!names.isEmpty() && exported.containsAll(names), q + " names metrics a replica does not export; it exports " + exported);
    }
  }

  @Test
  void theHpaScalesOnTheMetricTheAdapterServes() throws Exception {
    RenderedOverlay nvidia = RenderedOverlay.of("nvidia");
    String hpaMetric = nvidia.one("HorizontalPodAutoscaler").path("spec").path("metrics").get(0).path("pods").path("metric")
        .path("name").asText();
    JsonNode rule = RepositoryFiles.yaml(nvidia.find("ConfigMap", "ember-prometheus-adapter-rules").orElseThrow()
        .path("data").path("config.yaml").asText()).path("rules").get(0);
    assertEquals(hpaMetric, rule.path("name").path("as").asText());
    String series = METRIC.matcher(rule.path("seriesQuery").asText()).results().findFirst().orElseThrow().group(1);
    assertTrue(Pattern.compile(rule.path("name").path("matches").asText()).matcher(series).matches(), rule.toString());
  }

  @Test
  void theDashboardPlotsMetricsTheReplicasExport() throws Exception {
    JsonNode dashboard = RepositoryFiles.JSON.readTree(RepositoryFiles.text(RepositoryFiles.file("deploy/grafana/ember.json")));
    Set<String> plotted = new TreeSet<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        METRIC.matcher(target.path("expr").asText()).results().forEach(m -> plotted.add(m.group(1)));
      }
    }
    Set<String> missing = new TreeSet<>(plotted);
    missing.removeAll(exported);
    missing.removeAll(ClusterUse.METRICS);
    assertEquals(Set.of(), missing, "the dashboard plots metrics no replica exports");
    for (String routed : ClusterUse.METRICS) {
      assertTrue(plotted.contains(routed), routed);
      String meter = routed.replaceFirst("_total$", "").replace('_', '.');
      assertTrue(runtimeSources().anyMatch(text -> text.contains("\"" + meter + "\"")),
          routed + " (meter " + meter + ") is not in the runtime: ClusterUse.METRICS come with the cluster");
    }
  }

  private static Stream<String> runtimeSources() throws IOException {
    try (Stream<Path> files = Files.walk(RepositoryFiles.file("runtime/src/main/java"))) {
      return files.filter(p -> p.toString().endsWith(".java")).map(RepositoryFiles::text).toList().stream();
    }
  }
}
