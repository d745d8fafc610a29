package dev.ember.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The instructions of a Dockerfile that the deploy tests check: the stages' RUN commands, and the final
 * stage's ENV, ENTRYPOINT, CMD, EXPOSE and HEALTHCHECK.
 *
 * <pre>{@code Dockerfile d = Dockerfile.read(RepositoryFiles.file("deploy/Dockerfile")); d.env().get("EMBER_PORT"); }</pre>
 */
record Dockerfile(List<List<String>> runsPerStage, Map<String, String> env, List<String> entrypoint, List<String> cmd,
    List<Integer> exposed, String healthcheck) {
  private static final Pattern ENV_PAIR = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S*)");

  static Dockerfile read(Path file) {
    List<String> instructions = instructions(RepositoryFiles.text(file));
    List<List<String>> runs = new ArrayList<>();
    Map<String, String> env = new LinkedHashMap<>();
    List<String> entrypoint = List.of();
    List<String> cmd = List.of();
    List<Integer> exposed = new ArrayList<>();
    String healthcheck = null;
    for (String line : instructions) {
      int space = line.indexOf(' ');
      String keyword = (space < 0 ? line : line.substring(0, space)).toUpperCase(java.util.Locale.ROOT);
      String rest = space < 0 ? "" : line.substring(space + 1).strip();
      switch (keyword) {
        case "FROM" -> {
          runs.add(new ArrayList<>());
          env.clear();
          exposed.clear();
          entrypoint = List.of();
          cmd = List.of();
          healthcheck = null;
        }
        case "RUN" -> runs.get(runs.size() - 1).add(rest);
        case "ENV" -> {
          Matcher m = ENV_PAIR.matcher(rest);
          while (m.find()) {
            env.put(m.group(1), m.group(2).replaceAll("^\"|\"$", ""));
          }
        }
        case "ENTRYPOINT" -> entrypoint = execForm(rest);
        case "CMD" -> cmd = execForm(rest);
        case "EXPOSE" -> {
          for (String p : rest.split("\\s+")) {
            exposed.add(Integer.parseInt(p.replaceAll("/.*", "")));
          }
        }
        case "HEALTHCHECK" -> healthcheck = rest;
        default -> { }
      }
    }
    return new Dockerfile(runs, Map.copyOf(env), entrypoint, cmd, List.copyOf(exposed), healthcheck);
  }

  /** ENTRYPOINT followed by CMD: the command a container runs with no arguments given. */
  List<String> command() {
    List<String> all = new ArrayList<>(entrypoint);
    all.addAll(cmd);
    return all;
  }

  private static List<String> execForm(String json) {
    try {
      JsonNode array = RepositoryFiles.JSON.readTree(json);
      List<String> out = new ArrayList<>();
      array.forEach(n -> out.add(n.asText()));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("not an exec-form JSON array: " + json, e);
    }
  }

  /** Instructions with continuation lines joined, comments and blank lines dropped. */
  private static List<String> instructions(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : text.split("\n")) {
      String line = raw.strip();
      if (line.startsWith("#") || (line.isEmpty() && current.isEmpty())) {
        continue;
      }
      boolean continues = line.endsWith("\\");
      current.append(continues ? line.substring(0, line.length() - 1) : line).append(' ');
      if (!continues) {
        out.add(current.toString().strip().replaceAll("\\s+", " "));
        current.setLength(0);
      }
    }
    return out;
  }
}
