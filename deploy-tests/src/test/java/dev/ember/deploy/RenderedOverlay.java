package dev.ember.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ember.function.FunctionManifest;
import dev.ember.function.FunctionManifests;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One overlay as kubectl renders it, with look-ups the consistency tests need: objects by kind and name,
 * the Ember container of its workload (StatefulSet or Knative Service) with the environment the process
 * will see (the image's ENV, then envFrom ConfigMaps, then env), and the function manifests of its
 * ConfigMap parsed by Ember's own parser.
 *
 * <pre>{@code RenderedOverlay cpu = RenderedOverlay.of("cpu"); cpu.one("ScaledObject"); }</pre>
 */
record RenderedOverlay(String name, List<JsonNode> objects) {
  static RenderedOverlay of(String overlay) throws Exception {
    return new RenderedOverlay(overlay, Kustomize.renderOverlay(overlay));
  }

  List<JsonNode> all(String kind) {
    return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
  }

  Optional<JsonNode> find(String kind, String name) {
    return all(kind).stream().filter(o -> o.path("metadata").path("name").asText().equals(name)).findFirst();
  }

  JsonNode one(String kind) {
    List<JsonNode> found = all(kind);
    if (found.size() != 1) {
      fail(name + " renders " + found.size() + " " + kind + " objects, expected one");
    }
    return found.get(0);
  }

  /** The StatefulSet, or for the Knative overlay the Knative Service. */
  JsonNode workload() {
    List<JsonNode> sets = all("StatefulSet");
    if (!sets.isEmpty()) {
      return one("StatefulSet");
    }
    return all("Service").stream().filter(s -> s.path("apiVersion").asText().startsWith("serving.knative.dev/"))
        .findFirst().orElseThrow(() -> new AssertionError(name + " renders no Ember workload"));
  }

  JsonNode podSpec() {
    return workload().path("spec").path("template").path("spec");
  }

  JsonNode container() {
    return podSpec().path("containers").get(0);
  }

  /** The image's Dockerfile: the openEuler one for images built from it. */
  Dockerfile image() {
    boolean openEuler = container().path("image").asText().contains("openeuler");
    return Dockerfile.read(RepositoryFiles.file(openEuler ? "deploy/Dockerfile.openeuler" : "deploy/Dockerfile"));
  }

  List<String> args() {
    List<String> args = new ArrayList<>();
    container().path("args").forEach(a -> args.add(a.asText()));
    return args;
  }

  /** The container's environment as the process sees it (the image's ENV, envFrom ConfigMaps, env). */
  Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>(image().env());
    for (JsonNode from : container().path("envFrom")) {
      String map = from.path("configMapRef").path("name").asText();
      JsonNode cm = find("ConfigMap", map).orElseThrow(() -> new AssertionError(name + ": envFrom names no ConfigMap " + map));
      cm.path("data").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
    }
    for (JsonNode e : container().path("env")) {
      env.put(e.path("name").asText(), e.has("value") ? e.path("value").asText() : "(from " + e.path("valueFrom") + ")");
    }
    return env;
  }

  ServeCommandLine serve() {
    return ServeCommandLine.parse(args(), environment(), "k8s/overlays/" + name);
  }

  /** The function manifests in the ConfigMap mounted at the --functions directory, parsed by Ember. */
  List<FunctionManifest> functions() {
    Map<String, String> env = environment();
    List<FunctionManifest> out = new ArrayList<>();
    for (JsonNode cm : all("ConfigMap")) {
      if (cm.path("metadata").path("name").asText().startsWith("ember-functions")) {
        cm.path("data").fields().forEachRemaining(e -> out.add(
            FunctionManifests.parse(e.getValue().asText(), FunctionManifests.Format.YAML, name + ":" + e.getKey(), env::get)));
      }
    }
    if (out.isEmpty()) {
      fail(name + " renders no function manifests");
    }
    return out;
  }

  /** The mount path of the pod volume whose definition has {@code field} naming {@code prefix}*. */
  String mountOf(String field, String prefix) {
    for (JsonNode v : podSpec().path("volumes")) {
      JsonNode src = v.path(field);
      String ref = src.path("name").asText(src.path("claimName").asText());
      if (!src.isMissingNode() && ref.startsWith(prefix)) {
        for (JsonNode m : container().path("volumeMounts")) {
          if (m.path("name").asText().equals(v.path("name").asText())) {
            return m.path("mountPath").asText();
          }
        }
      }
    }
    return fail(name + ": no volume mounted from a " + field + " named " + prefix + "*");
  }
}
