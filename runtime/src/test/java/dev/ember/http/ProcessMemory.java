package dev.ember.http;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** This JVM's resident anonymous memory (heap and native), from {@code /proc/self/status} (Linux). */
final class ProcessMemory {
  private ProcessMemory() {}

  static boolean available() {
    return Files.isReadable(Path.of("/proc/self/status"));
  }

  /** RssAnon in bytes, after a GC so that garbage in the Java heap does not count. */
  static long rssAnonBytes() throws IOException {
    System.gc();
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("RssAnon:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IOException("no RssAnon in /proc/self/status");
  }

  /**
   * Resident anonymous memory outside the Java heap: RssAnon less the heap's committed bytes, both
   * after a GC. The heap keeps what it committed for a while after the GC (100-350 MiB between batches
   * of large request bodies), which RssAnon alone counts as growth; committed heap that was never touched
   * is not resident, so this can only understate native memory, never overstate it.
   */
  static long nativeResidentBytes() throws IOException {
    long rss = rssAnonBytes();
    return rss - ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
  }

  static String mib(long bytes) {
    return (bytes >> 20) + " MiB";
  }
}
