package dev.ember.function;

import java.lang.management.ManagementFactory;

/**
 * What this process may use, as manifests are validated against it: the cores available to the JVM
 * (container CPU limits included) and the memory the machine (or container) has.
 *
 * <pre>{@code if (threads > MachineLimits.cores()) throw ...; }</pre>
 */
public final class MachineLimits {
  private MachineLimits() {}

  /** Cores available to this process. */
  public static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }

  /**
   * Total memory of the machine or container in bytes, rounded down to whole MiB (so limits read well);
   * Long.MAX_VALUE when the platform does not say.
   */
  public static long memoryBytes() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      long total = os.getTotalMemorySize() & -(1L << 20);
      return total > 0 ? total : Long.MAX_VALUE;
    }
    return Long.MAX_VALUE;
  }
}
