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
 * engine, then the replica name. The order returned is the retry order, at most {@link #MAX_TRIES} long.
 *
 * <pre>{@code List<Candidate> order = new Router(RoutingPolicy.CACHE_AWARE, 1.0).order(candidates, promptBlocks); }</pre>
 */
public final class Router {
  /** Absolute load gap (active blocks) beyond which the guard may trip. */
  public static final int GUARD_ABSOLUTE = 64;
  /** Relative load gap beyond which the guard may trip. */
  public static final double GUARD_RELATIVE = 1.5;
  /** Engines a request tries at most: the chosen one and, if it refuses or dies first, the next ones. */
  public static final int MAX_TRIES = 4;
  private static final double STATE_STEP = 1e15;

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

  /**
   * The best candidates, best first, at most {@link #MAX_TRIES} (the first is chosen, the others are the
   * retry order); empty for no candidates. Cache-aware and least-loaded pick in one pass over primitive
   * scores, so a decision over a thousand engines sorts nothing.
   */
  public List<Candidate> order(List<Candidate> candidates, int promptBlocks) {
    return switch (policy) {
      case ROUND_ROBIN -> roundRobin(candidates);
      case LEAST_LOADED -> best(candidates, promptBlocks, false);
      case CACHE_AWARE -> best(candidates, promptBlocks, !guardTrips(candidates));
    };
  }

  private List<Candidate> best(List<Candidate> candidates, int promptBlocks, boolean byCost) {
    int k = Math.min(MAX_TRIES, candidates.size());
    Candidate[] top = new Candidate[k];
    double[] keys = new double[k];
    int n = 0;
    for (Candidate c : candidates) {
      // The state rank dominates: any WARM engine beats any WARMING one, which beats any COLD one.
      double key = c.stateRank() * STATE_STEP + (byCost ? cost(c, promptBlocks) : c.activeBlocks());
      if (n == k && !better(key, c, keys[k - 1], top[k - 1])) {
        continue;
      }
      int i = n < k ? n++ : k - 1;
      while (i > 0 && better(key, c, keys[i - 1], top[i - 1])) {
        keys[i] = keys[i - 1];
        top[i] = top[i - 1];
        i--;
      }
      keys[i] = key;
      top[i] = c;
    }
    return List.of(top).subList(0, n);
  }

  private static boolean better(double key, Candidate c, double otherKey, Candidate other) {
    if (key != otherKey) {
      return key < otherKey;
    }
    if (c.local() != other.local()) {
      return c.local();
    }
    return c.replica().compareTo(other.replica()) < 0;
  }

  private List<Candidate> roundRobin(List<Candidate> candidates) {
    List<Candidate> out = new ArrayList<>(candidates);
    out.sort(Comparator.comparingInt(Candidate::stateRank).thenComparing((Candidate c) -> !c.local())
        .thenComparing(Candidate::replica));
    if (out.isEmpty()) {
      return out;
    }
    int warm = (int) out.stream().filter(c -> c.stateRank() == out.get(0).stateRank()).count();
    if (warm > 1) {
      int shift = (int) Math.floorMod(turn.getAndIncrement(), (long) warm);
      List<Candidate> head = new ArrayList<>(out.subList(0, warm));
      for (int i = 0; i < warm; i++) {
        out.set(i, head.get((i + shift) % warm));
      }
    }
    return out.subList(0, Math.min(MAX_TRIES, out.size()));
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
