package dev.ember.device;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Where a function's device contexts read the weights from (manifest field {@code weights}).
 * {@link #SHARED}, the default: the weight files are mapped once per host and every context reads them
 * in place, so N contexts cost one copy of the weights in memory and one load. {@link #REPLICATE_PER_NODE}:
 * each pinned context (a core set or a NUMA node) copies the weights into memory of its own, bound to its
 * node and written by its pinned threads, paying N copies of the weight memory and N copies' load time
 * so that on a multi-socket machine no context streams its weights across the interconnect.
 *
 * <pre>{@code String device = WeightPlacement.parse("replicate-per-node").nativeDevice(context); }</pre>
 */
public enum WeightPlacement {
  SHARED("shared"),
  REPLICATE_PER_NODE("replicate-per-node");

  public static final WeightPlacement DEFAULT = SHARED;
  public static final String DOC = "Weights of a function's device contexts: shared (default; mapped once per host,"
      + " read in place by every context) or replicate-per-node (each pinned context copies them into its own node's"
      + " memory: N times the weight memory and load time, no cross-node weight reads).";

  private final String text;

  WeightPlacement(String text) {
    this.text = text;
  }

  /** The manifest's spelling, e.g. {@code replicate-per-node}. */
  @Override
  public String toString() {
    return text;
  }

  /** One of the manifest spellings; IllegalArgumentException naming them otherwise. */
  public static WeightPlacement parse(String text) {
    for (WeightPlacement w : values()) {
      if (w.text.equals(text)) {
        return w;
      }
    }
    throw new IllegalArgumentException("must be one of " + Arrays.stream(values()).map(WeightPlacement::toString)
        .collect(Collectors.joining(", ")) + ", got '" + text + "'");
  }

  /**
   * The native device string of a context with this placement: a pinned CPU context that replicates asks
   * the native backend for its own copy ({@code ;weights=replicate}); anything else is unchanged (the
   * unpinned {@code cpu} context is the only one and reads the mapping in place).
   */
  public String nativeDevice(DeviceContext context) {
    String device = context.nativeDevice();
    return this == REPLICATE_PER_NODE && context.isCpu() && !context.isWholeCpu() ? device + ";weights=replicate"
        : device;
  }
}
