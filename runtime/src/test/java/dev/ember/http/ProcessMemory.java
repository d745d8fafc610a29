package dev.ember.http;

import java.io.IOException;
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

  static String mib(long bytes) {
    return (bytes >> 20) + " MiB";
  }
}
