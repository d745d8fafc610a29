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
}
