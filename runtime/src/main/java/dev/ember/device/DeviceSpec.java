package dev.ember.device;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One entry of a function's {@code device:} setting, before it is matched against the host:
 * {@code cpu} (every CPU the process may use), {@code cpu:0-7} (a core set), {@code numa:1} (a NUMA
 * node's CPUs and memory), {@code numa:all} (one context per node), {@code cuda:N}, {@code npu:N}.
 * {@link DevicePlan} turns specs into the contexts a function runs on.
 *
 * <pre>{@code DeviceSpec.parseList("cpu:0-7,cpu:8-15")  // two core sets}</pre>
 */
public sealed interface DeviceSpec {
  /** The grammar in one line, for error messages and flag help. */
  String SYNTAX = "cpu, cpu:<cpu list>, numa:<node>, numa:all, cuda:<n> or npu:<n>";

  /** Every CPU the process may use, or only {@code cpus} when not null. */
  record Cpu(CpuSet cpus) implements DeviceSpec {
    @Override
    public String toString() {
      return cpus == null ? "cpu" : "cpu:" + cpus;
    }
  }

  /** One NUMA node, or every node with CPUs when {@code node} is {@link #ALL}. */
  record Numa(int node) implements DeviceSpec {
    public static final int ALL = -1;

    @Override
    public String toString() {
      return node == ALL ? "numa:all" : "numa:" + node;
    }
  }

  /** An accelerator card: {@code kind} is {@code cuda} or {@code npu}. */
  record Accelerator(String kind, int index) implements DeviceSpec {
    @Override
    public String toString() {
      return kind + ":" + index;
    }
  }

  Pattern ONE = Pattern.compile("(cpu)(?::([0-9,\\- ]+))?|numa:(all|\\d{1,4})|(cuda|npu):(\\d{1,3})");
  /** Splits a list at commas followed by a letter, so {@code cpu:0,2,cpu:4} is two specs. */
  Pattern SEPARATOR = Pattern.compile("\\s*,\\s*(?=[a-z])");

  /** Parses one spec; throws {@link IllegalArgumentException} naming the grammar. */
  static DeviceSpec parse(String text) {
    String t = text.strip();
    Matcher m = ONE.matcher(t);
    if (!m.matches()) {
      throw new IllegalArgumentException("device '" + t + "' is not one of " + SYNTAX);
    }
    if (m.group(1) != null) {
      if (m.group(2) == null) {
        return new Cpu(null);
      }
      CpuSet cpus = CpuSet.parse(m.group(2));
      if (cpus.isEmpty()) {
        throw new IllegalArgumentException("device '" + t + "' names no CPU");
      }
      return new Cpu(cpus);
    }
    if (m.group(3) != null) {
      return new Numa(m.group(3).equals("all") ? Numa.ALL : Integer.parseInt(m.group(3)));
    }
    return new Accelerator(m.group(4), Integer.parseInt(m.group(5)));
  }

  /** Parses a comma-separated list ({@code cpu:0,cpu:1} or {@code numa:all}); at least one spec. */
  static List<DeviceSpec> parseList(String text) {
    List<DeviceSpec> specs = new ArrayList<>();
    for (String part : SEPARATOR.split(text.strip())) {
      specs.add(parse(part));
    }
    return List.copyOf(specs);
  }
}
