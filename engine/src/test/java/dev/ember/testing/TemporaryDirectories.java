package dev.ember.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Temporary directories that fixtures share across a test JVM (a model generated once, a snapshot
 * directory per server) and that nobody closes explicitly: each is deleted with its contents when the
 * JVM exits, so repeated runs leave nothing behind in {@code java.io.tmpdir}.
 *
 * <pre>{@code Path dir = TemporaryDirectories.create("ember-engine-test"); }</pre>
 */
public final class TemporaryDirectories {
  private static final List<Path> CREATED = new ArrayList<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(TemporaryDirectories::deleteAll, "temporary-directories"));
  }

  private TemporaryDirectories() {}

  /** A new empty directory named {@code prefix...}, deleted at JVM exit. */
  public static Path create(String prefix) throws IOException {
    Path dir = Files.createTempDirectory(prefix);
    synchronized (CREATED) {
      CREATED.add(dir);
    }
    return dir;
  }

  private static void deleteAll() {
    List<Path> dirs;
    synchronized (CREATED) {
      dirs = List.copyOf(CREATED);
    }
    for (Path dir : dirs) {
      try (Stream<Path> tree = Files.walk(dir)) {
        tree.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException | RuntimeException e) {
        // best effort at exit: a directory removed by its test already is fine
      }
    }
  }
}
