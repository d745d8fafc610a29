package dev.ember.coldstart;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot directory stays within its file count and byte total, evicting the least recently used. */
class SnapshotRetentionTest {
  @TempDir
  Path dir;

  /** A snapshot of {@code bytes} bytes last used {@code minute} minutes into the epoch. */
  Path snapshot(String function, int bytes, int minute) throws IOException {
    Path f = Files.write(dir.resolve("prefix-" + function + ".kvsnap"), new byte[bytes]);
    Files.setLastModifiedTime(f, FileTime.fromMillis(minute * 60_000L));
    return f;
  }

  List<String> names() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void theLeastRecentlyUsedGoFirstWhenThereAreTooMany() throws IOException {
    snapshot("a", 10, 1);
    snapshot("b", 10, 3);
    snapshot("c", 10, 2);
    snapshot("d", 10, 4);
    assertEquals(2, SnapshotRetention.enforce(dir, 2, 1000));
    assertEquals(List.of("prefix-b.kvsnap", "prefix-d.kvsnap"), names());
  }

  @Test
  void theLeastRecentlyUsedGoFirstWhenTheyTakeTooManyBytes() throws IOException {
    snapshot("old", 600, 1);
    snapshot("mid", 300, 2);
    snapshot("new", 500, 3);
    assertEquals(1, SnapshotRetention.enforce(dir, 10, 800));
    assertEquals(List.of("prefix-mid.kvsnap", "prefix-new.kvsnap"), names());
  }

  @Test
  void aRestoreCountsAsAUse() throws IOException {
    Path a = snapshot("a", 10, 1);
    snapshot("b", 10, 2);
    SnapshotRetention.markUsed(a);
    SnapshotRetention.enforce(dir, 1, 1000);
    assertEquals(List.of("prefix-a.kvsnap"), names());
  }

  @Test
  void otherFilesAreLeftAlone() throws IOException {
    Files.write(dir.resolve("weights-Q8_0.ember"), new byte[5000]);
    Files.createDirectory(dir.resolve("prefix-dir.kvsnap"));
    snapshot("a", 10, 1);
    assertEquals(0, SnapshotRetention.enforce(dir, 1, 100));
    assertEquals(List.of("prefix-a.kvsnap", "prefix-dir.kvsnap", "weights-Q8_0.ember"), names());
  }
}
