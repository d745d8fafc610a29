package dev.ember.device;

/**
 * One device context a function's engine runs on: a CPU core set (maybe a whole NUMA node) or an
 * accelerator card. Each context gets its own device worker, engine, KV cache and kernel threads.
 *
 * @param name the label of the context in APIs and metrics ({@code cpu}, {@code cpu:0-7}, {@code numa:1}, {@code cuda:0})
 * @param kind {@code cpu}, {@code cuda} or {@code npu}
 * @param cpus the CPUs its kernel threads are pinned to (empty for accelerators)
 * @param node its NUMA node, or -1 when it is not bound to one
 * @param accelerator the card index for accelerators, -1 for CPU contexts
 */
public record DeviceContext(String name, String kind, CpuSet cpus, int node, int accelerator) {
  public static final String CPU = "cpu";

  public boolean isCpu() {
    return CPU.equals(kind);
  }

  /** Whether this is the unpinned context over every CPU of the process ({@code cpu}). */
  public boolean isWholeCpu() {
    return isCpu() && CPU.equals(name);
  }

  /** Whether this context is a whole NUMA node ({@code numa:N}), whose memory is bound to the node. */
  public boolean isNumaNode() {
    return isCpu() && name.startsWith("numa:") && node >= 0;
  }

  /**
   * The device string the native library takes: {@code cpu} (unpinned), {@code cpu:<cpu list>} (kernel
   * threads pinned one per CPU), {@code cpu:<cpu list>;node=<N>} for a NUMA node's context (its KV cache
   * and scratch bound to the node as well), or the card's name.
   */
  public String nativeDevice() {
    if (!isCpu()) {
      return name;
    }
    if (isWholeCpu()) {
      return CPU;
    }
    return isNumaNode() ? CPU + ":" + cpus + ";node=" + node : CPU + ":" + cpus;
  }

  /**
   * Kernel threads: the context's CPU count, or fewer when {@code asked} (> 0) says so; every available
   * core for the unpinned {@code cpu} context; 1 for accelerators (their host side needs no team).
   */
  public int threads(int asked) {
    if (!isCpu()) {
      return 1;
    }
    int cores = isWholeCpu() ? Runtime.getRuntime().availableProcessors() : cpus.size();
    return asked > 0 ? Math.min(asked, cores) : cores;
  }
}
