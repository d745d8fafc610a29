package dev.ember.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * ARCHITECTURE.md names only what exists: every {@code `code`} span that is a path, a file name, a class
 * (Java or C++), a member ({@code Class.method}, {@code Class::method}), a package or a C ABI name is
 * checked against the repository.
 */
class ArchitectureDocTest {
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");
  private static final Pattern TYPE = Pattern.compile("[A-Z][A-Za-z0-9]*");
  private static final Pattern MEMBER = Pattern.compile("([A-Z][A-Za-z0-9]*)(\\.|::)([A-Za-z_][A-Za-z0-9_]*)");
  private static final Pattern PACKAGE = Pattern.compile("dev(\\.[a-z]+)+");
  private static final Pattern ABI = Pattern.compile("(ember|EMBER)_[A-Za-z0-9_]+");
  private static final Pattern FILE = Pattern.compile("[\\w.-]+\\.(java|cpp|h|md|xml|sh)");

  /** The repository: source files by name, and a check for each kind of name. */
  private record Repo(Path root, Map<String, List<Path>> filesByName, String header) {
    static Repo open(Path root) throws IOException {
      try (Stream<Path> s = Files.walk(root)) {
        Map<String, List<Path>> byName = s.filter(p -> !p.toString().contains("/target/")
                && !p.toString().contains("/.git/") && Files.isRegularFile(p))
            .collect(Collectors.groupingBy(p -> p.getFileName().toString()));
        return new Repo(root, byName, Files.readString(root.resolve("native/src/main/cpp/ember.h")));
      }
    }

    List<Path> sources() {
      return filesByName.values().stream().flatMap(List::stream)
          .filter(p -> p.toString().endsWith(".java") || p.toString().endsWith(".cpp") || p.toString().endsWith(".h"))
          .toList();
    }

    /** Files declaring type: Name.java, or a C++ class/struct Name. */
    List<Path> declaring(String type) {
      List<Path> out = new ArrayList<>(filesByName.getOrDefault(type + ".java", List.of()));
      Pattern cpp = Pattern.compile("\\b(class|struct)\\s+" + type + "\\b[^;]*\\{");
      for (Path p : sources()) {
        if (!p.toString().endsWith(".java") && cpp.matcher(read(p)).find()) {
          out.add(p);
        }
      }
      return out;
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Why a code span names nothing in the repository, or null when it does (or is not a name). */
  static String problem(String span, Repo repo) {
    if (span.contains(" ") || span.startsWith("-")) {
      return null;
    }
    if (span.contains("/")) {
      return Files.exists(repo.root().resolve(span)) ? null : "no file or folder " + span;
    }
    if (ABI.matcher(span).matches()) {
      return Pattern.compile("\\b" + span + "\\b").matcher(repo.header()).find() ? null : span + " is not in ember.h";
    }
    if (FILE.matcher(span).matches()) {
      return repo.filesByName().containsKey(span) ? null : "no file named " + span;
    }
    if (PACKAGE.matcher(span).matches()) {
      String dir = "src/main/java/" + span.replace('.', '/');
      return Stream.of("engine", "runtime", "native", "kafka-broker")
          .anyMatch(m -> Files.isDirectory(repo.root().resolve(m).resolve(dir))) ? null : "no package " + span;
    }
    Matcher member = MEMBER.matcher(span);
    if (member.matches()) {
      List<Path> files = repo.declaring(member.group(1));
      if (files.isEmpty()) {
        return "no class " + member.group(1);
      }
      String name = member.group(3);
      Function<Path, Boolean> has = p -> {
        String text = read(p);
        return text.contains(name + "(") || text.contains(" " + name + " ") || text.contains(" " + name + ";")
            || text.contains("class " + name);
      };
      boolean inCpp = repo.sources().stream().filter(p -> !p.toString().endsWith(".java"))
          .anyMatch(p -> read(p).contains(member.group(1) + "::" + name));
      return files.stream().anyMatch(has::apply) || inCpp ? null : member.group(1) + " has no member " + name;
    }
    if (TYPE.matcher(span).matches()) {
      return repo.declaring(span).isEmpty() ? "no class " + span : null;
    }
    return null;
  }

  private static Repo repo() throws IOException {
    Path root = Path.of("..").toAbsolutePath().normalize();
    assertTrue(Files.isRegularFile(root.resolve("ARCHITECTURE.md")), "no ARCHITECTURE.md in " + root);
    return Repo.open(root);
  }

  @Test
  void everyNameInTheGuideExists() throws IOException {
    Repo repo = repo();
    Matcher m = CODE.matcher(Files.readString(repo.root().resolve("ARCHITECTURE.md")));
    Set<String> spans = new LinkedHashSet<>();
    while (m.find()) {
      spans.add(m.group(1));
    }
    assertTrue(spans.size() > 50, "the guide names the code it describes: " + spans.size() + " code spans");
    List<String> problems = spans.stream().map(s -> problem(s, repo)).filter(p -> p != null).toList();
    assertEquals(List.of(), problems);
  }

  @Test
  void namesThatDoNotExistAreReported() throws IOException {
    Repo repo = repo();
    assertEquals("no class EngineBuilder", problem("EngineBuilder", repo));
    assertEquals("Engine has no member stepAll", problem("Engine.stepAll", repo));
    assertEquals("Backend has no member launch_graph", problem("Backend::launch_graph", repo));
    assertEquals("no file or folder native/src/main/cpp/backend/cuda_backend.cpp",
        problem("native/src/main/cpp/backend/cuda_backend.cpp", repo));
    assertEquals("ember_model_new_on is not in ember.h", problem("ember_model_new_on", repo));
    assertEquals("no package dev.ember.activator", problem("dev.ember.activator", repo));
    assertEquals("no file named forward_cuda.cpp", problem("forward_cuda.cpp", repo));
    assertEquals(null, problem("Backend::create", repo));
    assertEquals(null, problem("CpuBackend", repo));
    assertEquals(null, problem("KvCacheManager.lookupPrefix", repo));
  }
}
