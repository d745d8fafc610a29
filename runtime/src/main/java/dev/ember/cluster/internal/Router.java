package dev.ember.cluster.internal;

import dev.ember.cluster.RoutingPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Orders a request's candidate engines, best first (the rest are the retry order). Cache-aware: lowest
 * {@code w * (promptBlocks - overlapBlocks) + activeBlocks}; when the WARM candidates' loads are out of
 * balance ({@code max - min > 64} and {@code max > 1.5 * min}) the least loaded goes first instead. In
 * every policy a WARM candidate beats a WARMING one, which beats a COLD one; ties prefer the local
 * engine, then the replica name.
 *
 * <pre>{@code List<Candidate> order = new Router(RoutingPolicy.CACHE_AWARE, 1.0).order(candidates, promptBlocks); }</pre>
 */
public final class Router {
  /** Absolute load gap (active blocks) beyond which the guard may trip. */
  public static final int GUARD_ABSOLUTE = 64;
  /** Relative load gap beyond which the guard may trip. */
  public static final double GUARD_RELATIVE = 1.5;

  private final RoutingPolicy policy;
  private final double weight;
  private final AtomicLong turn = new AtomicLong();

  public Router(RoutingPolicy policy, double weight) {
    this.policy = policy;
    this.weight = weight;
  }

  public RoutingPolicy policy() {
    return policy;
  }

  /** The candidates, best first; empty for no candidates. */
  public List<Candidate> order(List<Candidate> candidates, int promptBlocks) {
    List<Candidate> out = new ArrayList<>(candidates);
    Comparator<Candidate> byState = Comparator.comparingInt(Candidate::stateRank);
    Comparator<Candidate> tie = Comparator.comparing((Candidate c) -> !c.local()).thenComparing(Candidate::replica);
    switch (policy) {
      case ROUND_ROBIN -> {
        out.sort(byState.thenComparing(tie));
        int warm = (int) out.stream().filter(c -> c.stateRank() == out.get(0).stateRank()).count();
        if (warm > 1) {
          int shift = (int) Math.floorMod(turn.getAndIncrement(), (long) warm);
          List<Candidate> head = new ArrayList<>(out.subList(0, warm));
          for (int i = 0; i < warm; i++) {
            out.set(i, head.get((i + shift) % warm));
          }
        }
      }
      case LEAST_LOADED -> out.sort(byState.thenComparingInt(Candidate::activeBlocks).thenComparing(tie));
      case CACHE_AWARE -> {
        if (guardTrips(out)) {
          out.sort(byState.thenComparingInt(Candidate::activeBlocks).thenComparing(tie));
        } else {
          out.sort(byState.thenComparingDouble((Candidate c) -> cost(c, promptBlocks)).thenComparing(tie));
        }
      }
    }
    return out;
  }

  /** The cache-aware cost of a candidate (lower wins). */
  public double cost(Candidate c, int promptBlocks) {
    return weight * (promptBlocks - c.overlapBlocks()) + c.activeBlocks();
  }

  /** True when the WARM candidates' loads are out of balance. */
  static boolean guardTrips(List<Candidate> candidates) {
    int min = Integer.MAX_VALUE;
    int max = Integer.MIN_VALUE;
    for (Candidate c : candidates) {
      if (c.stateRank() == 0) {
        min = Math.min(min, c.activeBlocks());
        max = Math.max(max, c.activeBlocks());
      }
    }
    return min != Integer.MAX_VALUE && max - min > GUARD_ABSOLUTE && max > GUARD_RELATIVE * min;
  }
}
