package dev.ember.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The repository's deployment files for the deploy tests: finds the checkout (the runtime module's
 * parent, where the tests run) and reads YAML, including multi-document streams, as Jackson trees.
 *
 * <pre>{@code JsonNode compose = RepositoryFiles.yaml(RepositoryFiles.root().resolve("deploy/compose.yaml")); }</pre>
 */
final class RepositoryFiles {
  static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final YAMLMapper YAML = new YAMLMapper();

  private RepositoryFiles() {}

  /** The repository root: the directory holding k8s/ and deploy/ above the module directory. */
  static Path root() {
    Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("k8s")) && Files.isDirectory(p.resolve("deploy")) && Files.isRegularFile(p.resolve("pom.xml"))) {
        return p;
      }
    }
    throw new IllegalStateException("no repository root (with k8s/ and deploy/) above " + dir);
  }

  static Path file(String relative) {
    return root().resolve(relative);
  }

  static String text(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode yaml(Path file) {
    return yaml(text(file));
  }

  static JsonNode yaml(String text) {
    try {
      return YAML.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every non-empty document of a YAML stream. */
  static List<JsonNode> yamlDocuments(String text) {
    List<JsonNode> docs = new ArrayList<>();
    try (var parser = new YAMLFactory().createParser(text)) {
      var it = YAML.readValues(parser, JsonNode.class);
      while (it.hasNext()) {
        JsonNode n = it.next();
        if (n != null && !n.isNull() && !n.isMissingNode() && !n.isEmpty()) {
          docs.add(n);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return docs;
  }
}
