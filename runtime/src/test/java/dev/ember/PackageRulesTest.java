package dev.ember;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The package rules of the main sources of {@code engine/} and {@code runtime/}, read from their code
 * (imports and qualified names; comments and string literals do not count): only the HTTP door reaches
 * into {@code dev.ember.http.internal}; the OpenAI codec knows neither door; {@code function} owns the
 * ports it uses, so {@code metrics} and {@code worker} depend on it and not the other way; the engine
 * lends its KV blocks to cold-start connectors and does not know them; and no two packages use each other,
 * directly or round a longer loop (a package and its {@code internal} sub-packages count as one).
 */
class PackageRulesTest {
  private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
  /** A qualified reference to an Ember type (or a whole package in a wildcard import). */
  private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.ember((?:\\.[a-z][a-z0-9]*)+)(?=\\.[A-Z*])");

  /**
   * The one cycle tolerated for now: {@code ModelFiles} and the tensor codecs at the top of
   * {@code dev.ember.model} open the format packages, whose readers build the top's value types. Any other
   * package joining it, or any other cycle, fails.
   */
  private static final List<Set<String>> TOLERATED_CYCLES = List.of(Set.of("dev.ember.model",
      "dev.ember.model.gguf", "dev.ember.model.hf", "dev.ember.model.quant", "dev.ember.model.safetensors"));

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

  /** The package a package's code counts for: {@code a.b.internal.c} counts as {@code a.b}. */
  static String owner(String pkg) {
    return pkg.replaceFirst("\\.internal(\\..*)?$", "");
  }

  /** Package to the packages it uses, with the files that use them; a package's internals count as it. */
  static Map<String, Map<String, Set<String>>> graph(List<Source> sources) {
    Map<String, Map<String, Set<String>>> out = new TreeMap<>();
    for (Source s : sources) {
      String from = owner(s.pkg());
      for (String used : s.uses()) {
        String to = owner(used);
        if (!to.equals(from)) {
          out.computeIfAbsent(from, k -> new TreeMap<>()).computeIfAbsent(to, k -> new TreeSet<>())
              .add(s.file().toString());
        }
      }
    }
    return out;
  }

  /** The strongly connected sets of two or more packages (Tarjan), each a cycle or several joined. */
  static List<Set<String>> cycles(Map<String, Map<String, Set<String>>> graph) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    List<Set<String>> out = new ArrayList<>();
    for (String v : new TreeSet<>(graph.keySet())) {
      if (!index.containsKey(v)) {
        connect(v, graph, index, low, stack, out);
      }
    }
    return out;
  }

  private static void connect(String v, Map<String, Map<String, Set<String>>> graph, Map<String, Integer> index,
      Map<String, Integer> low, Deque<String> stack, List<Set<String>> out) {
    index.put(v, index.size());
    low.put(v, index.get(v));
    stack.push(v);
    for (String w : graph.getOrDefault(v, Map.of()).keySet()) {
      if (!index.containsKey(w)) {
        connect(w, graph, index, low, stack, out);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (stack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      Set<String> component = new TreeSet<>();
      String w;
      do {
        w = stack.pop();
        component.add(w);
      } while (!w.equals(v));
      if (component.size() > 1) {
        out.add(component);
      }
    }
  }

  @Test
  void theScanSeesTheDependenciesThatExist() {
    assertTrue(sources.size() > 100, "sources scanned: " + sources.size());
    assertTrue(sources.stream().anyMatch(s -> s.pkg().equals("dev.ember.kafka.internal")
        && s.uses().contains("dev.ember.openai")), "the Kafka door uses the OpenAI codec");
    assertTrue(sources.stream().anyMatch(s -> s.pkg().equals("dev.ember.metrics")
        && s.uses().contains("dev.ember.function")), "metrics implements the function layer's port");
    assertTrue(sources.stream().anyMatch(s -> s.pkg().equals("dev.ember.worker")
        && s.uses().contains("dev.ember.function")), "the device worker implements the function layer's port");
  }

  static Stream<Arguments> packageGraphs() {
    return Stream.of(
        Arguments.of("two packages using each other", Map.of("a", Set.of("b"), "b", Set.of("a")),
            List.of(Set.of("a", "b"))),
        Arguments.of("a longer loop", Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a")),
            List.of(Set.of("a", "b", "c"))),
        Arguments.of("layers", Map.of("a", Set.of("b", "c"), "b", Set.of("c")), List.of()),
        Arguments.of("a package and its internals", Map.of("a", Set.of("a.internal"), "a.internal", Set.of("a")),
            List.of()),
        Arguments.of("internals of a sub-package",
            Map.of("a", Set.of("a.b.internal.c"), "a.b.internal.c", Set.of("a.b")), List.of()),
        Arguments.of("a loop through internals", Map.of("a.internal", Set.of("b"), "b", Set.of("a")),
            List.of(Set.of("a", "b"))),
        Arguments.of("a package and a sub-package that is not internal",
            Map.of("a", Set.of("a.b"), "a.b", Set.of("a")), List.of(Set.of("a", "a.b"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("packageGraphs")
  void cyclesAreFoundWithInternalsCountedAsTheirPackage(String name, Map<String, Set<String>> uses,
      List<Set<String>> expected) {
    List<Source> fake = uses.entrySet().stream()
        .map(e -> new Source(Path.of(e.getKey() + ".java"), e.getKey(), e.getValue())).toList();
    assertEquals(expected, cycles(graph(fake)));
  }

  @Test
  void noPackagesUseEachOther() {
    Map<String, Map<String, Set<String>>> graph = graph(sources);
    List<String> problems = new ArrayList<>();
    for (Set<String> cycle : cycles(graph)) {
      if (TOLERATED_CYCLES.stream().anyMatch(t -> t.containsAll(cycle))) {
        continue;
      }
      StringBuilder b = new StringBuilder("cycle " + cycle + ":");
      for (String from : cycle) {
        graph.get(from).forEach((to, files) -> {
          if (cycle.contains(to)) {
            b.append("\n  ").append(from).append(" -> ").append(to).append(" in ").append(files);
          }
        });
      }
      problems.add(b.toString());
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void theFunctionLayerDoesNotKnowItsWorkers() {
    assertEquals(Map.of(), violations(Pattern.compile("dev\\.ember\\.function(\\..*)?"),
        Pattern.compile("dev\\.ember\\.worker(\\..*)?")));
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
