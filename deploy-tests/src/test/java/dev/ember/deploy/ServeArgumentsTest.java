package dev.ember.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ember.function.DurationText;
import dev.ember.ops.LogSetup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * The commands, environments, ports and stop deadlines in the images, the compose file, the manifests and
 * the systemd unit are ones {@code ember serve} accepts, checked with the program's own parser.
 */
class ServeArgumentsTest {
  /** Seconds a JVM needs past the shutdown deadline to run its hooks and exit. */
  private static final long EXIT_MARGIN_SECONDS = 5;

  @Test
  void theClusterOptionsTheFleetUsesAreServeOptions() {
    assertEquals(Set.of(), ServeCommandLine.missingClusterOptions(),
        "ember serve lacks these ClusterUse.OPTIONS (ember serve --cluster)");
  }

  static Stream<String> dockerfiles() {
    return Stream.of("deploy/Dockerfile", "deploy/Dockerfile.openeuler");
  }

  @ParameterizedTest
  @MethodSource("dockerfiles")
  void theImageRunsTheInstalledEmberServeWithItsEnvironment(String file) {
    Dockerfile image = Dockerfile.read(RepositoryFiles.file(file));
    assertEquals(List.of("/opt/ember/bin/ember", "serve"), image.command(), file);
    assertTrue(image.runsPerStage().get(0).stream().anyMatch(r -> r.equals("deploy/build-dist.sh /opt/ember")),
        file + ": the build stage must install with the project's own deploy/build-dist.sh into /opt/ember");
    ServeCommandLine serve = ServeCommandLine.parse(image.cmd(), image.env(), file);
    int port = serve.value("--port");
    assertTrue(image.exposed().contains(port), file + " does not EXPOSE the serve port " + port);
    assertEquals("0.0.0.0", serve.value("--host"), file + ": a container must listen on every interface");
    assertNotNull(image.healthcheck(), file + " has no HEALTHCHECK");
    assertTrue(image.healthcheck().contains("http://127.0.0.1:${EMBER_PORT}/"), file + ": the HEALTHCHECK must call the"
        + " serve port (its path is checked against the routes in ProbesAndMetricsTest): " + image.healthcheck());
    LogSetup.parseLevel(image.env().get("EMBER_LOG_LEVEL"));
  }

  static List<String> overlays() throws Exception {
    return Kustomize.overlays();
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theWorkloadsArgumentsEnvironmentAndPortsAreServes(String overlay) throws Exception {
    RenderedOverlay k = RenderedOverlay.of(overlay);
    ServeCommandLine serve = k.serve();
    int port = serve.value("--port");
    JsonNode http = namedPort(k.container(), k.workload().path("kind").asText().equals("StatefulSet") ? "http" : "http1");
    assertEquals(port, http.path("containerPort").asInt(), overlay + ": the container port is not --port");
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      JsonNode get = k.container().path(probe).path("httpGet");
      if (!get.isMissingNode() && get.has("port")) {
        assertEquals(http.path("name").asText(), get.path("port").asText(), overlay + " " + probe + " port");
      }
    }
    assertEquals(k.mountOf("configMap", "ember-functions"), serve.value("--functions").toString(),
        overlay + ": --functions is not where the functions ConfigMap is mounted");
    assertEquals(k.mountOf("persistentVolumeClaim", "ember-models"), k.environment().get("EMBER_MODELS"),
        overlay + ": EMBER_MODELS is not where the models volume is mounted");
    Duration shutdown = serve.value("--shutdown-timeout");
    if (k.workload().path("kind").asText().equals("StatefulSet")) {
      long preStop = k.container().path("lifecycle").path("preStop").path("sleep").path("seconds").asLong();
      long grace = k.podSpec().path("terminationGracePeriodSeconds").asLong();
      assertTrue(grace >= preStop + shutdown.toSeconds() + EXIT_MARGIN_SECONDS, overlay + ": terminationGracePeriodSeconds "
          + grace + " leaves no room for preStop " + preStop + " s + shutdown " + shutdown.toSeconds() + " s + exit");
      theClusterIsFoundThroughTheHeadlessService(k, serve);
    } else {
      long timeout = k.podSpec().path("timeoutSeconds").asLong();
      assertTrue(timeout > shutdown.toSeconds(), overlay + ": Knative's timeoutSeconds must outlast the shutdown deadline");
    }
  }

  private static void theClusterIsFoundThroughTheHeadlessService(RenderedOverlay k, ServeCommandLine serve) {
    assertEquals(Boolean.TRUE, serve.value("--cluster"), k.name() + ": the replicas do not cluster");
    // Named after the pod, which a StatefulSet keeps across rescheduling (its IP it does not): the replica's
    // prefix snapshot is saved under its name, so the pod finds it again when it comes back.
    assertEquals("$(POD_NAME)", serve.value("--replica-name"), k.name() + ": --replica-name is not the pod's name");
    assertEquals("metadata.name", podNameSource(k.container()), k.name() + ": POD_NAME is not the pod's name");
    String dns = serve.value("--cluster-dns");
    String service = k.workload().path("spec").path("serviceName").asText();
    assertEquals(service, dns.substring(0, dns.indexOf('.')), k.name() + ": --cluster-dns is not the StatefulSet's service");
    JsonNode headless = k.find("Service", service).orElseThrow(() -> new AssertionError("no Service " + service));
    assertEquals("None", headless.path("spec").path("clusterIP").asText(), service + " must be headless");
    assertTrue(headless.path("spec").path("publishNotReadyAddresses").asBoolean(),
        service + " must list members before they are ready (readiness needs a WARM function)");
    int clusterPort = serve.value("--cluster-port");
    assertEquals(clusterPort, namedPort(k.container(), "cluster").path("containerPort").asInt());
    boolean served = false;
    for (JsonNode p : headless.path("spec").path("ports")) {
      served |= p.path("port").asInt() == clusterPort && p.path("targetPort").asText().equals("cluster");
    }
    assertTrue(served, service + " does not publish the cluster port " + clusterPort);
  }

  private static String podNameSource(JsonNode container) {
    for (JsonNode e : container.path("env")) {
      if (e.path("name").asText().equals("POD_NAME")) {
        return e.path("valueFrom").path("fieldRef").path("fieldPath").asText();
      }
    }
    return null;
  }

  private static JsonNode namedPort(JsonNode container, String name) {
    for (JsonNode p : container.path("ports")) {
      if (p.path("name").asText().equals(name)) {
        return p;
      }
    }
    throw new AssertionError("the container has no port named " + name);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theComposeReplicasFormOneClusterAndStopWithinTheirGracePeriod() {
    Map<String, Object> compose = new Yaml().load(RepositoryFiles.text(RepositoryFiles.file("deploy/compose.yaml")));
    Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
    Dockerfile image = Dockerfile.read(RepositoryFiles.file("deploy/Dockerfile"));
    Map<String, ServeCommandLine> replicas = new LinkedHashMap<>();
    services.forEach((name, s) -> {
      if (s.containsKey("build")) {
        assertEquals("deploy/Dockerfile", ((Map<String, Object>) s.get("build")).get("dockerfile"));
        Map<String, String> env = new LinkedHashMap<>(image.env());
        ((Map<String, Object>) s.getOrDefault("environment", Map.of())).forEach((key, v) -> env.put(key, String.valueOf(v)));
        ServeCommandLine serve = ServeCommandLine.parse((List<String>) s.get("command"), env, "deploy/compose.yaml " + name);
        replicas.put((String) s.get("hostname"), serve);
        assertEquals(s.get("hostname"), serve.value("--replica-name"),
            name + ": a replica is named after its host (a restarted container's IP may change, its name must not)");
        assertEquals("30s", env.get("EMBER_SHUTDOWN_TIMEOUT"), name + ": the shared environment is kept");
        Duration grace = DurationText.parse((String) s.get("stop_grace_period"));
        Duration shutdown = serve.value("--shutdown-timeout");
        assertTrue(grace.toSeconds() >= shutdown.toSeconds() + EXIT_MARGIN_SECONDS, name + ": stop_grace_period " + grace);
        int port = serve.value("--port");
        assertTrue(((List<String>) s.get("ports")).stream().allMatch(p -> p.endsWith(":" + port)), name + " publishes no --port");
        String kafka = serve.value("--kafka-bootstrap");
        assertTrue(services.containsKey(kafka.substring(0, kafka.indexOf(':'))), name + ": no Kafka service " + kafka);
      }
    });
    assertEquals(3, replicas.size(), "three replicas");
    for (Map.Entry<String, ServeCommandLine> r : replicas.entrySet()) {
      List<String> members = r.getValue().value("--cluster-members");
      List<String> expected = new ArrayList<>();
      replicas.forEach((host, other) -> expected.add(host + ":" + other.<Integer>value("--cluster-port")));
      assertEquals(expected, members, r.getKey() + ": --cluster-members must list every replica's cluster address");
    }
    Map<String, Object> prometheus = new Yaml().load(RepositoryFiles.text(RepositoryFiles.file("deploy/prometheus/prometheus.yml")));
    Map<String, Object> emberJob = ((List<Map<String, Object>>) prometheus.get("scrape_configs")).get(0);
    List<String> targets = (List<String>) ((List<Map<String, Object>>) emberJob.get("static_configs")).get(0).get("targets");
    List<String> expected = new ArrayList<>();
    replicas.forEach((host, serve) -> expected.add(host + ":" + serve.<Integer>value("--port")));
    assertEquals(expected, targets, "Prometheus must scrape every replica");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theComposeFleetMountsFilesThatExistAndGrafanaLoadsTheDashboard() {
    Map<String, Object> compose = new Yaml().load(RepositoryFiles.text(RepositoryFiles.file("deploy/compose.yaml")));
    Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
    String dashboardDir = null;
    for (Map.Entry<String, Map<String, Object>> s : services.entrySet()) {
      for (String volume : (List<String>) s.getValue().getOrDefault("volumes", List.of())) {
        String[] parts = volume.split(":");
        if (parts[0].startsWith("./")) {
          assertTrue(java.nio.file.Files.exists(RepositoryFiles.file("deploy").resolve(parts[0])), s.getKey() + " mounts " + parts[0]);
          if (parts[0].equals("./grafana/ember.json")) {
            dashboardDir = parts[1].substring(0, parts[1].lastIndexOf('/'));
          }
        }
      }
    }
    assertNotNull(dashboardDir, "Grafana must mount deploy/grafana/ember.json");
    Map<String, Object> provider = ((List<Map<String, Object>>) new Yaml().<Map<String, Object>>load(RepositoryFiles.text(
        RepositoryFiles.file("deploy/grafana/provisioning/dashboards/ember.yaml"))).get("providers")).get(0);
    assertEquals(dashboardDir, ((Map<String, Object>) provider.get("options")).get("path"),
        "Grafana's dashboard provider reads where compose mounts the dashboard");
  }

  @Test
  void theSystemdUnitRunsServeAndWaitsOutTheShutdownDeadline() {
    Map<String, String> env = new LinkedHashMap<>();
    List<String> exec = List.of();
    long stopTimeout = -1;
    for (String line : RepositoryFiles.text(RepositoryFiles.file("deploy/ember.service")).split("\n")) {
      if (line.startsWith("Environment=")) {
        String pair = line.substring("Environment=".length());
        env.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
      } else if (line.startsWith("ExecStart=")) {
        exec = Arrays.asList(line.substring("ExecStart=".length()).split("\\s+"));
      } else if (line.startsWith("TimeoutStopSec=")) {
        stopTimeout = Long.parseLong(line.substring("TimeoutStopSec=".length()).strip());
      }
    }
    assertEquals("/opt/ember/bin/ember", exec.get(0), "the unit starts the launcher deploy/build-dist.sh installs");
    ServeCommandLine serve = ServeCommandLine.parse(exec.subList(1, exec.size()), env, "deploy/ember.service");
    Duration shutdown = serve.value("--shutdown-timeout");
    assertTrue(stopTimeout >= shutdown.toSeconds() + EXIT_MARGIN_SECONDS,
        "TimeoutStopSec " + stopTimeout + " does not outlast the shutdown deadline " + shutdown);
  }
}
