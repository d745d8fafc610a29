package dev.ember.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * The HTTP paths the deployment files make something call on a replica, by what calls them: liveness
 * checks (image HEALTHCHECKs, livenessProbes), readiness checks (startup and readiness probes) and
 * metric scrapes (Prometheus, the ServiceMonitor); each entry says where it comes from.
 *
 * <pre>{@code for (DeploymentPaths.Use u : DeploymentPaths.all()) { ... u.path() ... } }</pre>
 */
final class DeploymentPaths {
  enum Role { LIVENESS, READINESS, METRICS }

  record Use(Role role, String path, String where) {}

  private static final Pattern HEALTHCHECK_URL = Pattern.compile("http://127\\.0\\.0\\.1:\\$\\{EMBER_PORT}(/\\S*?)\"");

  private DeploymentPaths() {}

  @SuppressWarnings("unchecked")
  static List<Use> all() throws Exception {
    Set<Use> uses = new LinkedHashSet<>();
    for (String file : List.of("deploy/Dockerfile", "deploy/Dockerfile.openeuler")) {
      Matcher m = HEALTHCHECK_URL.matcher(Dockerfile.read(RepositoryFiles.file(file)).healthcheck());
      if (!m.find()) {
        throw new AssertionError(file + ": no HEALTHCHECK URL");
      }
      uses.add(new Use(Role.LIVENESS, m.group(1), file + " HEALTHCHECK"));
    }
    for (String overlay : Kustomize.overlays()) {
      RenderedOverlay k = RenderedOverlay.of(overlay);
      for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
        JsonNode path = k.container().path(probe).path("httpGet").path("path");
        if (!path.isMissingNode()) {
          uses.add(new Use(probe.equals("livenessProbe") ? Role.LIVENESS : Role.READINESS, path.asText(),
              "k8s/overlays/" + overlay + " " + probe));
        }
      }
      for (JsonNode monitor : k.all("ServiceMonitor")) {
        for (JsonNode e : monitor.path("spec").path("endpoints")) {
          uses.add(new Use(Role.METRICS, e.path("path").asText(), "k8s/overlays/" + overlay + " ServiceMonitor"));
        }
      }
    }
    Map<String, Object> prometheus = new Yaml().load(RepositoryFiles.text(RepositoryFiles.file("deploy/prometheus/prometheus.yml")));
    Map<String, Object> emberJob = ((List<Map<String, Object>>) prometheus.get("scrape_configs")).get(0);
    uses.add(new Use(Role.METRICS, (String) emberJob.get("metrics_path"), "deploy/prometheus/prometheus.yml"));
    return new ArrayList<>(uses);
  }
}
