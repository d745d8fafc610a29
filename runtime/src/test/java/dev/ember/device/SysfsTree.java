package dev.ember.device;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a fixture {@code /sys/devices/system} tree: online CPUs, nodes and CPU packages. */
final class SysfsTree {
  private final Path root;

  SysfsTree(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  SysfsTree online(String list) {
    return write("devices/system/cpu/online", list + "\n");
  }

  SysfsTree node(int id, String cpulist) {
    return write("devices/system/node/node" + id + "/cpulist", cpulist + "\n");
  }

  SysfsTree packageOf(String cpus, int pkg) {
    for (int cpu : CpuSet.parse(cpus).toArray()) {
      write("devices/system/cpu/cpu" + cpu + "/topology/physical_package_id", pkg + "\n");
    }
    return this;
  }

  private SysfsTree write(String rel, String text) {
    try {
      Path p = root.resolve(rel);
      Files.createDirectories(p.getParent());
      Files.writeString(p, text);
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
