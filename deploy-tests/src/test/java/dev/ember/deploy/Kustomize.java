package dev.ember.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Renders a kustomization with {@code kubectl kustomize DIR}, exactly as a user or CI applies it.
 *
 * <pre>{@code List<JsonNode> objects = Kustomize.renderOverlay("cpu"); }</pre>
 */
final class Kustomize {
  private static final long TIMEOUT_SECONDS = 60;
  private static final Map<String, String> RENDERED = new ConcurrentHashMap<>();

  private Kustomize() {}

  /** The overlays under k8s/overlays, by directory name. */
  static List<String> overlays() throws IOException {
    try (Stream<Path> dirs = Files.list(RepositoryFiles.file("k8s/overlays"))) {
      return dirs.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml"))).map(d -> d.getFileName().toString())
          .sorted().toList();
    }
  }

  /** The overlay's objects, parsed afresh on each call (callers may change them); kubectl runs once per overlay. */
  static List<JsonNode> renderOverlay(String overlay) throws IOException, InterruptedException {
    String text = RENDERED.get(overlay);
    if (text == null) {
      text = render(RepositoryFiles.file("k8s/overlays/" + overlay));
      RENDERED.put(overlay, text);
    }
    return RepositoryFiles.yamlDocuments(text);
  }

  static String render(Path dir) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(kubectl().toString(), "kustomize", dir.toString())
        .redirectErrorStream(false).start();
    p.getOutputStream().close();
    var out = p.getInputStream().readAllBytes();
    var err = p.getErrorStream().readAllBytes();
    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("kubectl kustomize " + dir + " did not finish in " + TIMEOUT_SECONDS + " s");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException("kubectl kustomize " + dir + " failed (exit " + p.exitValue() + "):\n"
          + new String(err, StandardCharsets.UTF_8));
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  /** kubectl from the PATH (or /usr/bin), or a failure that says how to get it. */
  static Path kubectl() {
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "" : path).split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "kubectl");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    Path usual = Path.of("/usr/bin/kubectl");
    if (Files.isExecutable(usual)) {
      return usual;
    }
    throw new IllegalStateException("kubectl is missing: the deploy tests render k8s/overlays/* with `kubectl kustomize`;"
        + " install kubectl (it bundles kustomize) and put it on the PATH");
  }
}
