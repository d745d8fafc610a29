package dev.ember.function;

import java.util.List;

/**
 * Chooses the engine for a prompt among candidates (a function's device contexts here; a cluster's
 * replicas use the same rule): the lowest {@code w * (promptBlocks - overlapBlocks) + activeBlocks}, where
 * overlap is the run of the prompt's leading block hashes the engine caches. A WARM candidate always beats
 * one that is not, and when the WARM candidates' loads are out of balance ({@code max - min >}
 * {@value #GUARD_ABSOLUTE} blocks and {@code max >} {@value #GUARD_RELATIVE} {@code * min}) the least
 * loaded wins instead, so a hot prefix cannot pile every request onto one engine. Ties go to the first.
 *
 * <pre>{@code int i = new RouteCost(RouteCost.DEFAULT_WEIGHT).choose(contexts, promptBlockKeys); }</pre>
 */
public final class RouteCost {
  public static final double DEFAULT_WEIGHT = 1.0;
  public static final String WEIGHT_DOC = "Blocks of prompt to recompute that weigh as much as one active block.";
  public static final int GUARD_ABSOLUTE = 64;
  public static final double GUARD_RELATIVE = 1.5;

  /** An engine as the router weighs it. Called on the routing thread; must not block. */
  public interface Candidate {
    /** Whether it can run the request now (WARM); others are chosen only when none is. */
    boolean warm();

    /** KV blocks held by its running requests. */
    int activeBlocks();

    /** How many of the prompt's leading block keys it caches (0 when not warm). */
    int overlapBlocks(long[] promptBlockKeys);
  }

  private final double weight;

  public RouteCost(double weight) {
    if (!(weight >= 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("route weight must be >= 0 and finite, got " + weight);
    }
    this.weight = weight;
  }

  /** The index of the chosen candidate, or -1 for none. */
  public int choose(List<? extends Candidate> candidates, long[] promptBlockKeys) {
    int n = candidates.size();
    int[] active = new int[n];
    int min = Integer.MAX_VALUE;
    int max = Integer.MIN_VALUE;
    for (int i = 0; i < n; i++) {
      Candidate c = candidates.get(i);
      if (c.warm()) {
        active[i] = c.activeBlocks();
        min = Math.min(min, active[i]);
        max = Math.max(max, active[i]);
      }
    }
    boolean guard = min != Integer.MAX_VALUE && max - min > GUARD_ABSOLUTE && max > GUARD_RELATIVE * min;
    int best = -1;
    double bestCost = Double.MAX_VALUE;
    boolean bestWarm = false;
    for (int i = 0; i < n; i++) {
      Candidate c = candidates.get(i);
      boolean warm = c.warm();
      if (bestWarm && !warm) {
        continue;
      }
      double cost = !warm ? 0
          : guard ? active[i] : weight * (promptBlockKeys.length - c.overlapBlocks(promptBlockKeys)) + active[i];
      if (best < 0 || (warm && !bestWarm) || cost < bestCost) {
        best = i;
        bestCost = cost;
        bestWarm = warm;
      }
    }
    return best;
  }

  /** The cost of one WARM candidate without the guard (for tests and routing logs). */
  public double cost(Candidate c, long[] promptBlockKeys) {
    return weight * (promptBlockKeys.length - c.overlapBlocks(promptBlockKeys)) + c.activeBlocks();
  }
}
