package dev.ember.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ember.function.DurationText;
import dev.ember.function.FunctionManifest;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The autoscalers and device settings agree with the function manifests they serve, as Ember's own
 * parser reads them: the KEDA Kafka trigger watches the door's request topic and consumer group, idle
 * periods match the function's idleTimeout, the HTTP add-on and Knative target the replicas' batch size,
 * and each overlay's device plugin resource matches the manifests' {@code device}.
 */
class ScalingConsistencyTest {
  static List<String> overlays() throws Exception {
    return Kustomize.overlays();
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theFunctionsRunOnTheDeviceTheOverlayRequests(String overlay) throws Exception {
    RenderedOverlay k = RenderedOverlay.of(overlay);
    JsonNode limits = k.container().path("resources").path("limits");
    String expected = limits.has("nvidia.com/gpu") ? "cuda" : limits.has("huawei.com/Ascend910") ? "npu" : "cpu";
    int devices = limits.path("nvidia.com/gpu").asInt(limits.path("huawei.com/Ascend910").asInt(0));
    for (FunctionManifest f : k.functions()) {
      String device = f.device();
      assertEquals(expected, device.replaceFirst(":.*", ""), overlay + ": " + f.name() + " runs on " + device);
      if (!expected.equals("cpu")) {
        assertTrue(Integer.parseInt(device.substring(device.indexOf(':') + 1)) < devices,
            overlay + ": " + device + " is not among the " + devices + " device(s) the pod gets");
        assertTrue(k.podSpec().path("tolerations").size() > 0 && k.podSpec().path("nodeSelector").size() > 0,
            overlay + ": device pods need a node selector and tolerations");
      }
      if (expected.equals("npu")) {
        assertEquals(128, f.engine().blockSize(), overlay + ": Ascend's paged attention takes 128-token blocks");
      }
    }
  }

  static Stream<Arguments> kedaOverlays() throws Exception {
    return Kustomize.overlays().stream().filter(o -> {
      try {
        return !RenderedOverlay.of(o).all("ScaledObject").isEmpty();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }).map(Arguments::of);
  }

  @ParameterizedTest
  @MethodSource("kedaOverlays")
  void theKafkaTriggerWatchesTheDoorsTopicAndGroupAndWakesOnOneRecord(String overlay) throws Exception {
    RenderedOverlay k = RenderedOverlay.of(overlay);
    JsonNode so = k.one("ScaledObject");
    assertEquals(k.workload().path("metadata").path("name").asText(), so.path("spec").path("scaleTargetRef").path("name").asText());
    assertEquals("StatefulSet", so.path("spec").path("scaleTargetRef").path("kind").asText());
    assertEquals(0, so.path("spec").path("minReplicaCount").asInt(-1), overlay + ": scale to zero");
    List<FunctionManifest> functions = k.functions();
    List<JsonNode> kafka = stream(so.path("spec").path("triggers")).filter(t -> t.path("type").asText().equals("kafka")).toList();
    assertEquals(functions.size(), kafka.size(), overlay + ": one Kafka trigger per function");
    for (FunctionManifest f : functions) {
      assertTrue(f.kafka().enabled(), f.name() + " must be served over Kafka");
      JsonNode t = kafka.stream().filter(x -> x.path("metadata").path("topic").asText().equals(f.kafka().requestTopic()))
          .findFirst().orElseThrow(() -> new AssertionError(overlay + ": no Kafka trigger on " + f.kafka().requestTopic()));
      JsonNode m = t.path("metadata");
      assertEquals(f.kafka().group(), m.path("consumerGroup").asText(), "the lag KEDA reads is the door's group's");
      assertEquals(k.environment().get("EMBER_KAFKA_BOOTSTRAP"), m.path("bootstrapServers").asText());
      assertEquals(String.valueOf(f.kafka().concurrency()), m.path("lagThreshold").asText(),
          "one replica per kafka.concurrency waiting records");
      assertEquals("0", m.path("activationLagThreshold").asText(), "one waiting record wakes the first replica");
      assertEquals(f.scaling().idleTimeout().toSeconds(), so.path("spec").path("cooldownPeriod").asLong(),
          "pods go after the function's idleTimeout");
    }
  }

  @Test
  void theHttpAddOnForwardsToTheClientServiceAndIdlesLikeTheFunction() throws Exception {
    RenderedOverlay k = RenderedOverlay.of("cpu-http");
    JsonNode spec = k.one("HTTPScaledObject").path("spec");
    JsonNode target = spec.path("scaleTargetRef");
    assertEquals(k.workload().path("metadata").path("name").asText(), target.path("name").asText());
    JsonNode service = k.find("Service", target.path("service").asText())
        .orElseThrow(() -> new AssertionError("no Service " + target.path("service").asText()));
    assertTrue(stream(service.path("spec").path("ports")).anyMatch(p -> p.path("port").asInt() == target.path("port").asInt()),
        "the Service has no port " + target.path("port"));
    assertEquals(0, spec.path("replicas").path("min").asInt(-1));
    FunctionManifest f = k.functions().get(0);
    assertEquals(f.scaling().idleTimeout().toSeconds(), spec.path("scaledownPeriod").asLong());
    assertEquals(f.engine().maxNumSeqs(), spec.path("scalingMetric").path("concurrency").path("targetValue").asInt(),
        "one replica per engine batch of requests");
    assertTrue(spec.path("pathPrefixes").toString().contains("/v1"), "the OpenAI API is routed");
  }

  @Test
  void knativeHoldsWhatOneEngineBatchesAndKeepsPodsAsLongAsTheFunctionStaysWarm() throws Exception {
    RenderedOverlay k = RenderedOverlay.of("knative");
    JsonNode template = k.workload().path("spec").path("template");
    Map<String, String> annotations = RepositoryFiles.JSON.convertValue(template.path("metadata").path("annotations"),
        RepositoryFiles.JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class));
    FunctionManifest f = k.functions().get(0);
    assertEquals("0", annotations.get("autoscaling.knative.dev/min-scale"));
    assertEquals(f.scaling().idleTimeout(),
        DurationText.parse(annotations.get("autoscaling.knative.dev/scale-to-zero-pod-retention-period")));
    assertEquals(f.engine().maxNumSeqs(), template.path("spec").path("containerConcurrency").asInt());
    assertEquals(String.valueOf(f.engine().maxNumSeqs()), annotations.get("autoscaling.knative.dev/target"));
    assertTrue(Integer.parseInt(annotations.get("autoscaling.knative.dev/target-burst-capacity")) > 0);
  }

  @Test
  void theKubernetesDashboardIsTheComposeDashboard() throws Exception {
    assertEquals(Files.readString(RepositoryFiles.file("deploy/grafana/ember.json")),
        Files.readString(RepositoryFiles.file("k8s/base/config/ember.json")),
        "k8s/base/config/ember.json must be a copy of deploy/grafana/ember.json");
  }

  private static Stream<JsonNode> stream(JsonNode array) {
    return java.util.stream.StreamSupport.stream(array.spliterator(), false);
  }
}
