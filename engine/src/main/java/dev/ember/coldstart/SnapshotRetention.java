package dev.ember.coldstart;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Logger;

/**
 * Keeps a directory of prefix snapshots within a file count and a byte total: the least recently used
 * ({@code prefix-*.kvsnap} by modification time; a restore counts as a use) are deleted first. Every
 * unload writes a snapshot, so without this, deploying and deleting functions under new names fills the disk.
 *
 * <pre>{@code SnapshotRetention.markUsed(file); SnapshotRetention.enforce(dir, 32, 2L << 30); }</pre>
 */
public final class SnapshotRetention {
  private static final Logger LOG = Logger.getLogger(SnapshotRetention.class.getName());
  static final String GLOB = SnapshotFiles.PREFIX + "*" + SnapshotFiles.SUFFIX;

  private SnapshotRetention() {}

  /** Records a use of the snapshot (its modification time becomes now). */
  public static void markUsed(Path file) throws IOException {
    Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
  }

  /** Deletes the least recently used snapshots of {@code dir} until at most maxFiles and maxBytes remain; returns how many. */
  public static int enforce(Path dir, int maxFiles, long maxBytes) throws IOException {
    record Entry(Path file, long size, FileTime used) {}
    List<Entry> all = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, GLOB)) {
      for (Path p : s) {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isRegularFile()) {
          all.add(new Entry(p, a.size(), a.lastModifiedTime()));
        }
      }
    }
    all.sort(Comparator.comparing(Entry::used).reversed().thenComparing(e -> e.file().getFileName().toString()));
    int kept = 0;
    long bytes = 0;
    int deleted = 0;
    for (Entry e : all) {
      if (kept < maxFiles && bytes + e.size() <= maxBytes) {
        kept++;
        bytes += e.size();
      } else {
        Files.deleteIfExists(e.file());
        deleted++;
        LOG.info(() -> "evicted prefix snapshot " + e.file().getFileName() + " (" + e.size() + " bytes)");
      }
    }
    return deleted;
  }
}
