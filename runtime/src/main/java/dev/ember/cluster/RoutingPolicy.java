package dev.ember.cluster;

import java.util.Locale;

/**
 * How a replica picks the engine for a request among its own and its peers' ({@code --routing}).
 *
 * <pre>{@code RoutingPolicy p = RoutingPolicy.parse("cache-aware"); }</pre>
 */
public enum RoutingPolicy {
  /** Lowest {@code w * (promptBlocks - overlapBlocks) + queuedBlocks}, with the imbalance guard. */
  CACHE_AWARE,
  /** Fewest blocks of work queued. */
  LEAST_LOADED,
  /** Each candidate in turn. */
  ROUND_ROBIN;

  /** The flag's spelling: cache-aware, least-loaded, round-robin. */
  public String flag() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static RoutingPolicy parse(String text) {
    for (RoutingPolicy p : values()) {
      if (p.flag().equals(text.strip().toLowerCase(Locale.ROOT))) {
        return p;
      }
    }
    throw new IllegalArgumentException("routing must be cache-aware, least-loaded or round-robin, got '" + text + "'");
  }
}
