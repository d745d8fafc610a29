package dev.ember.device;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Matches a function's device specs against the host's topology and yields its contexts, refusing
 * what the host cannot give: CPUs that are offline or outside the process's affinity, a NUMA node
 * that does not exist or has no CPUs, two contexts that share a CPU, the same context twice.
 * Accelerator specs pass through; whether their backend exists is decided when they load.
 *
 * <pre>{@code List<DeviceContext> cs = DevicePlan.resolve(DeviceSpec.parseList("numa:all"), CpuTopology.host());}</pre>
 */
public final class DevicePlan {
  private DevicePlan() {}

  public static List<DeviceContext> resolve(List<DeviceSpec> specs, CpuTopology topology) {
    if (specs.isEmpty()) {
      throw new IllegalArgumentException("no device given; expected " + DeviceSpec.SYNTAX);
    }
    List<DeviceContext> contexts = new ArrayList<>();
    for (DeviceSpec spec : specs) {
      switch (spec) {
        case DeviceSpec.Cpu c -> contexts.add(cpu(c, topology));
        case DeviceSpec.Numa n when n.node() == DeviceSpec.Numa.ALL -> {
          for (CpuTopology.NumaNode node : topology.nodesWithCpus()) {
            contexts.add(new DeviceContext("numa:" + node.id(), DeviceContext.CPU, node.cpus(), node.id(), -1));
          }
        }
        case DeviceSpec.Numa n -> contexts.add(numa(n.node(), topology));
        case DeviceSpec.Accelerator a -> contexts.add(new DeviceContext(a.toString(), a.kind(), CpuSet.of(), -1,
            a.index()));
      }
    }
    checkDisjoint(contexts);
    return List.copyOf(contexts);
  }

  private static DeviceContext cpu(DeviceSpec.Cpu c, CpuTopology t) {
    if (c.cpus() == null) {
      return new DeviceContext("cpu", DeviceContext.CPU, t.allowed(), -1, -1);
    }
    CpuSet missing = c.cpus().andNot(t.allowed());
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("device '" + c + "': CPU " + missing
          + " is offline or outside this process's CPUs (" + t.allowed() + ")");
    }
    int node = t.nodes().stream().filter(n -> n.cpus().containsAll(c.cpus())).mapToInt(CpuTopology.NumaNode::id)
        .findFirst().orElse(-1);
    return new DeviceContext(c.toString(), DeviceContext.CPU, c.cpus(), node, -1);
  }

  private static DeviceContext numa(int id, CpuTopology t) {
    CpuTopology.NumaNode node = t.node(id).orElseThrow(() -> new IllegalArgumentException("device 'numa:" + id
        + "': this host has NUMA nodes " + t.nodes().stream().map(n -> String.valueOf(n.id())).toList()));
    if (node.cpus().isEmpty()) {
      throw new IllegalArgumentException("device 'numa:" + id + "': the node has no CPU this process may use");
    }
    return new DeviceContext("numa:" + id, DeviceContext.CPU, node.cpus(), id, -1);
  }

  private static void checkDisjoint(List<DeviceContext> contexts) {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < contexts.size(); i++) {
      DeviceContext a = contexts.get(i);
      if (!names.add(a.name())) {
        throw new IllegalArgumentException("device '" + a.name() + "' is listed twice");
      }
      for (int j = 0; j < i; j++) {
        DeviceContext b = contexts.get(j);
        if (a.cpus().intersects(b.cpus())) {
          throw new IllegalArgumentException("devices '" + b.name() + "' and '" + a.name() + "' share CPU "
              + a.cpus().and(b.cpus()) + "; each context needs its own cores");
        }
      }
    }
  }
}
