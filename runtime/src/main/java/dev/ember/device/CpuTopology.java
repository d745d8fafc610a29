package dev.ember.device;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host's NUMA nodes and CPUs as Linux describes them under {@code /sys/devices/system}: each
 * node's CPU list ({@code node/nodeN/cpulist}) restricted to the online CPUs ({@code cpu/online})
 * and to the CPUs this process may run on. Needs no libnuma; a kernel without NUMA support (no
 * {@code node} directory) is one node 0 holding every online CPU.
 *
 * <pre>{@code CpuTopology t = CpuTopology.read(Path.of("/sys"), CpuTopology.allowedCpus());}</pre>
 */
public record CpuTopology(List<NumaNode> nodes, CpuSet online, CpuSet allowed) {

  /** One NUMA node: its id, its usable CPUs (maybe none: a memory-only node), and its sockets. */
  public record NumaNode(int id, CpuSet cpus, CpuSet packages) {}

  private static final Pattern NODE_DIR = Pattern.compile("node(\\d+)");
  private static final Pattern ALLOWED = Pattern.compile("(?m)^Cpus_allowed_list:\\s*(\\S+)\\s*$");

  public CpuTopology {
    nodes = List.copyOf(nodes);
  }

  /** This host's topology, restricted to the CPUs this process may run on. */
  public static CpuTopology host() throws IOException {
    return read(Path.of("/sys"), allowedCpus());
  }

  /**
   * Reads the topology under {@code sysRoot} (normally {@code /sys}; tests pass a fixture tree).
   *
   * @param allowed the CPUs the process may use (its affinity mask); null means every online CPU
   */
  public static CpuTopology read(Path sysRoot, CpuSet allowed) throws IOException {
    Path cpuDir = sysRoot.resolve("devices/system/cpu");
    CpuSet online = CpuSet.parse(Files.readString(cpuDir.resolve("online")));
    CpuSet usable = allowed == null ? online : online.and(allowed);
    Path nodeDir = sysRoot.resolve("devices/system/node");
    List<NumaNode> nodes = new ArrayList<>();
    if (Files.isDirectory(nodeDir)) {
      try (DirectoryStream<Path> dirs = Files.newDirectoryStream(nodeDir)) {
        for (Path d : dirs) {
          Matcher m = NODE_DIR.matcher(d.getFileName().toString());
          if (m.matches() && Files.isRegularFile(d.resolve("cpulist"))) {
            CpuSet cpus = CpuSet.parse(Files.readString(d.resolve("cpulist"))).and(usable);
            nodes.add(new NumaNode(Integer.parseInt(m.group(1)), cpus, packagesOf(cpuDir, cpus)));
          }
        }
      }
    }
    if (nodes.isEmpty()) {
      nodes.add(new NumaNode(0, usable, packagesOf(cpuDir, usable)));
    }
    nodes.sort(Comparator.comparingInt(NumaNode::id));
    return new CpuTopology(nodes, online, usable);
  }

  /** The CPUs this process may run on, from {@code /proc/self/status}; null where it cannot be read. */
  public static CpuSet allowedCpus() {
    try {
      Matcher m = ALLOWED.matcher(Files.readString(Path.of("/proc/self/status")));
      return m.find() ? CpuSet.parse(m.group(1)) : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static CpuSet packagesOf(Path cpuDir, CpuSet cpus) throws IOException {
    List<Integer> ids = new ArrayList<>();
    for (int cpu : cpus.toArray()) {
      Path p = cpuDir.resolve("cpu" + cpu + "/topology/physical_package_id");
      if (Files.isRegularFile(p)) {
        ids.add(Integer.parseInt(Files.readString(p).strip()));
      }
    }
    return CpuSet.of(ids.stream().mapToInt(Integer::intValue).toArray());
  }

  /** The node with this id, if the host has it. */
  public java.util.Optional<NumaNode> node(int id) {
    return nodes.stream().filter(n -> n.id() == id).findFirst();
  }

  /** The nodes that have usable CPUs (the ones a context can run on). */
  public List<NumaNode> nodesWithCpus() {
    return nodes.stream().filter(n -> !n.cpus().isEmpty()).toList();
  }
}
