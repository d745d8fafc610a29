package dev.ember;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package rules of the main sources of {@code engine/} and {@code runtime/}, read from their code
 * (imports and qualified names; comments and string literals do not count): only the HTTP door reaches
 * into {@code dev.ember.http.internal}; the OpenAI codec knows neither door; {@code function} owns the
 * ports it uses, so {@code metrics} depends on it and not the other way; the engine lends its KV blocks
 * to cold-start connectors and does not know them.
 */
class PackageRulesTest {
  private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
  /** A qualified reference to an Ember type (or a whole package in a wildcard import). */
  private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.ember((?:\\.[a-z][a-z0-9]*)+)(?=\\.[A-Z*])");

  /** Per source file: its package and every Ember package its code names. */
  private record Source(Path file, String pkg, Set<String> uses) {}

  private static List<Source> sources;

  @BeforeAll
  static void scan() throws IOException {
    Path runtime = Path.of("src/main/java");
    Path engine = Path.of("../engine/src/main/java");
    assertTrue(Files.isDirectory(runtime) && Files.isDirectory(engine),
        "run from the runtime module: " + Path.of("").toAbsolutePath());
    sources = new ArrayList<>();
    for (Path root : List.of(runtime, engine)) {
      try (Stream<Path> s = Files.walk(root)) {
        for (Path p : s.filter(f -> f.toString().endsWith(".java")).toList()) {
          sources.add(read(p));
        }
      }
    }
  }

  static Source read(Path file) throws IOException {
    String code = withoutCommentsAndStrings(Files.readString(file));
    Matcher pm = PACKAGE.matcher(code);
    String pkg = pm.find() ? pm.group(1) : "";
    Set<String> uses = new TreeSet<>();
    Matcher m = REFERENCE.matcher(code);
    while (m.find()) {
      String used = "dev.ember" + m.group(1);
      if (!used.equals(pkg)) {
        uses.add(used);
      }
    }
    return new Source(file, pkg, uses);
  }

  /** Blanks comments and string/char literals, keeping line breaks. */
  static String withoutCommentsAndStrings(String s) {
    StringBuilder out = new StringBuilder(s.length());
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (s.startsWith("//", i)) {
        while (i < s.length() && s.charAt(i) != '\n') {
          i++;
        }
      } else if (s.startsWith("/*", i)) {
        int end = s.indexOf("*/", i + 2);
        i = end < 0 ? s.length() : end + 2;
        out.append(' ');
      } else if (s.startsWith("\"\"\"", i)) {
        int end = s.indexOf("\"\"\"", i + 3);
        i = end < 0 ? s.length() : end + 3;
        out.append("\"\"");
      } else if (c == '"' || c == '\'') {
        i++;
        while (i < s.length() && s.charAt(i) != c && s.charAt(i) != '\n') {
          i += s.charAt(i) == '\\' ? 2 : 1;
        }
        i++;
        out.append(c).append(c);
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  /** Files of packages matching {@code from} that use a package matching {@code to}, with what they use. */
  private static Map<String, Set<String>> violations(Pattern from, Pattern to) {
    Map<String, Set<String>> out = new TreeMap<>();
    for (Source s : sources) {
      if (!from.matcher(s.pkg()).matches()) {
        continue;
      }
      for (String used : s.uses()) {
        if (to.matcher(used).matches()) {
          out.computeIfAbsent(s.file().toString(), k -> new TreeSet<>()).add(used);
        }
      }
    }
    return out;
  }

  @Test
  void theScanSeesTheDependenciesThatExist() {
    assertTrue(sources.size() > 100, "sources scanned: " + sources.size());
    assertTrue(sources.stream().anyMatch(s -> s.pkg().equals("dev.ember.kafka.internal")
        && s.uses().contains("dev.ember.openai")), "the Kafka door uses the OpenAI codec");
    assertTrue(sources.stream().anyMatch(s -> s.pkg().equals("dev.ember.metrics")
        && s.uses().contains("dev.ember.function")), "metrics implements the function layer's port");
  }

  @Test
  void commentsAndStringsAreNotDependencies() {
    String code = "package a.b;\n// dev.ember.x.Y\n/** {@link dev.ember.z.W} */\nString s = \"dev.ember.q.R\";\n"
        + "dev.ember.used.Type t;\n";
    Matcher m = REFERENCE.matcher(withoutCommentsAndStrings(code));
    List<String> found = new ArrayList<>();
    while (m.find()) {
      found.add(m.group(1));
    }
    assertEquals(List.of(".used"), found);
  }

  @Test
  void onlyTheHttpDoorUsesItsInternals() {
    assertEquals(Map.of(), violations(Pattern.compile("(?!dev\\.ember\\.http(\\.|$)).*"),
        Pattern.compile("dev\\.ember\\.http\\.internal(\\..*)?")));
  }

  @Test
  void theOpenAiCodecKnowsNeitherDoor() {
    assertEquals(Map.of(), violations(Pattern.compile("dev\\.ember\\.openai(\\..*)?"),
        Pattern.compile("dev\\.ember\\.(http|kafka)(\\..*)?")));
  }

  @Test
  void theFunctionLayerDoesNotDependOnMetrics() {
    assertEquals(Map.of(), violations(Pattern.compile("dev\\.ember\\.function(\\..*)?"),
        Pattern.compile("dev\\.ember\\.metrics(\\..*)?")));
  }

  @Test
  void theEngineDoesNotKnowItsKvConnectors() {
    assertEquals(Map.of(), violations(Pattern.compile("dev\\.ember\\.engine"),
        Pattern.compile("dev\\.ember\\.coldstart(\\..*)?")));
  }
}
