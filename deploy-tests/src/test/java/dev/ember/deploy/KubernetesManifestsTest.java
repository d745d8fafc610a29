package dev.ember.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every overlay under k8s/overlays renders with {@code kubectl kustomize}, and every object it renders
 * is valid against the official schema of its kind and version; a misspelled field anywhere fails.
 */
class KubernetesManifestsTest {
  private static KubernetesSchemas schemas;

  @BeforeAll
  static void loadSchemas() throws IOException {
    schemas = KubernetesSchemas.load();
  }

  static List<String> overlays() throws IOException {
    return Kustomize.overlays();
  }

  @Test
  void theOverlaysAreTheDevicesAndTheScaleFromZeroAlternatives() throws IOException {
    assertEquals(List.of("ascend", "cpu", "cpu-http", "knative", "nvidia"), Kustomize.overlays());
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void everyRenderedObjectMatchesTheSchemaOfItsKind(String overlay) throws Exception {
    List<JsonNode> objects = Kustomize.renderOverlay(overlay);
    assertFalse(objects.isEmpty(), overlay + " renders nothing");
    List<String> errors = new ArrayList<>();
    for (JsonNode o : objects) {
      errors.addAll(schemas.validate(o));
    }
    assertEquals(List.of(), errors, "k8s/overlays/" + overlay);
  }

  @Test
  void everyCustomKindHasAVendoredSchemaAndEachIsUsed() throws Exception {
    Set<String> rendered = new TreeSet<>();
    for (String overlay : Kustomize.overlays()) {
      for (JsonNode o : Kustomize.renderOverlay(overlay)) {
        rendered.add(o.path("apiVersion").asText() + " " + o.path("kind").asText());
      }
    }
    assertEquals(new TreeSet<>(schemas.customKinds()), new TreeSet<>(rendered.stream()
        .filter(k -> k.contains(".") && !k.contains(".k8s.io/")).toList()));
    assertTrue(rendered.containsAll(Set.of("apps/v1 StatefulSet", "v1 Service", "v1 ConfigMap",
        "v1 PersistentVolumeClaim", "policy/v1 PodDisruptionBudget", "autoscaling/v2 HorizontalPodAutoscaler")), rendered::toString);
  }

  /** A field renamed to a misspelling in one rendered object of an overlay, and the name the error must carry. */
  static Stream<Arguments> misspellings() {
    return Stream.of(
        Arguments.of("cpu", "StatefulSet", "/spec/template/spec/containers/0", "livenessProbe", "livenesProbe"),
        Arguments.of("cpu", "StatefulSet", "/spec/template/spec", "terminationGracePeriodSeconds", "terminationGracePeriod"),
        Arguments.of("cpu", "Service", "/spec", "publishNotReadyAddresses", "publishNotReadyAdresses"),
        Arguments.of("cpu", "PodDisruptionBudget", "/spec", "maxUnavailable", "maxUnavailabe"),
        Arguments.of("nvidia", "HorizontalPodAutoscaler", "/spec/metrics/0/pods/target", "averageValue", "averagevalue"),
        Arguments.of("cpu", "ScaledObject", "/spec", "minReplicaCount", "minReplicaCnt"),
        Arguments.of("cpu", "ScaledObject", "/spec/triggers/0", "metadata", "metdata"),
        Arguments.of("cpu-http", "HTTPScaledObject", "/spec/scaleTargetRef", "service", "servce"),
        Arguments.of("cpu", "ServiceMonitor", "/spec/endpoints/0", "path", "pth"),
        Arguments.of("knative", "Service", "/spec/template/spec", "containerConcurrency", "containerConcurency"),
        Arguments.of("knative", "Service", "/spec/template/spec/containers/0/readinessProbe", "httpGet", "httpget"),
        Arguments.of("knative", "Service", "/metadata", "name", "nmae"));
  }

  @ParameterizedTest
  @MethodSource("misspellings")
  void aMisspelledFieldIsRejected(String overlay, String kind, String at, String field, String misspelled) throws Exception {
    JsonNode object = Kustomize.renderOverlay(overlay).stream()
        .filter(o -> o.path("kind").asText().equals(kind) && o.at(at).has(field)).findFirst()
        .orElseThrow(() -> new AssertionError(overlay + " renders no " + kind + " with " + at + "/" + field));
    assertEquals(List.of(), schemas.validate(object), "the object is valid before the change");
    ObjectNode parent = (ObjectNode) object.at(at);
    parent.set(misspelled, parent.remove(field));
    List<String> errors = schemas.validate(object);
    assertFalse(errors.isEmpty(), kind + " with " + misspelled + " passed");
    assertTrue(errors.stream().anyMatch(e -> e.contains(misspelled)), errors::toString);
  }
}
