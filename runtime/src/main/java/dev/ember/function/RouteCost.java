package dev.ember.function;

import java.util.List;

/**
 * Chooses the engine for a prompt among candidates (a function's device contexts here; a cluster's
 * replicas use the same rule): the lowest {@code w * (promptBlocks - overlapBlocks) + activeBlocks}, where
 * overlap is the run of the prompt's leading block hashes the engine caches. A WARM candidate always beats
 * one that is not, and when the WARM candidates' loads are out of balance ({@code max - min >}
 * {@value #GUARD_ABSOLUTE} blocks and {@code max >} {@value #GUARD_RELATIVE} {@code * min}) the least
 * loaded wins instead, so a hot prefix cannot pile every request onto one engine. The share guard keeps a
 * prompt that a candidate caches none of off a WARM candidate that took more than {@value #SHARE_RELATIVE}x
 * the mean of the WARM candidates' recent requests (and {@value #SHARE_ABSOLUTE} more): it keeps its hits but
 * takes no new prefixes while it serves more than its share. Ties go to the first.
 *
 * <pre>{@code int i = new RouteCost(RouteCost.DEFAULT_WEIGHT).choose(contexts, promptBlockKeys); }</pre>
 */
public final class RouteCost {
  public static final double DEFAULT_WEIGHT = 1.0;
  public static final String WEIGHT_DOC = "Blocks of prompt to recompute that weigh as much as one active block.";
  public static final int GUARD_ABSOLUTE = 64;
  public static final double GUARD_RELATIVE = 1.5;
  /** Relative excess of recent requests over the WARM mean beyond which the share guard may trip. */
  public static final double SHARE_RELATIVE = 1.25;
  /** Absolute excess of recent requests over the WARM mean beyond which the share guard may trip. */
  public static final int SHARE_ABSOLUTE = 4;

  /** An engine as the router weighs it. Called on the routing thread; must not block. */
  public interface Candidate {
    /** Whether it can run the request now (WARM); others are chosen only when none is. */
    boolean warm();

    /** KV blocks held by its running requests. */
    int activeBlocks();

    /** How many of the prompt's leading block keys it caches (0 when not warm). */
    int overlapBlocks(long[] promptBlockKeys);

    /** Requests it took lately ({@link RecentCount}, rounded), which the share guard weighs. */
    default int recentRequests() {
      return 0;
    }
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
    int[] recent = new int[n];
    int min = Integer.MAX_VALUE;
    int max = Integer.MIN_VALUE;
    long recentSum = 0;
    int recentMax = Integer.MIN_VALUE;
    int warmCount = 0;
    for (int i = 0; i < n; i++) {
      Candidate c = candidates.get(i);
      if (c.warm()) {
        active[i] = c.activeBlocks();
        min = Math.min(min, active[i]);
        max = Math.max(max, active[i]);
        recent[i] = c.recentRequests();
        recentSum += recent[i];
        recentMax = Math.max(recentMax, recent[i]);
        warmCount++;
      }
    }
    boolean guard = min != Integer.MAX_VALUE && max - min > GUARD_ABSOLUTE && max > GUARD_RELATIVE * min;
    int shareCap = shareCap(recentSum, warmCount, recentMax);
    int best = -1;
    double bestCost = Double.MAX_VALUE;
    boolean bestWarm = false;
    for (int i = 0; i < n; i++) {
      Candidate c = candidates.get(i);
      boolean warm = c.warm();
      if (bestWarm && !warm) {
        continue;
      }
      int overlap = -1;
      if (warm && recent[i] > shareCap) {
        overlap = c.overlapBlocks(promptBlockKeys);
        if (overlap == 0) {
          continue; // beyond its share: it keeps its hits, a new prefix goes elsewhere
        }
      }
      double cost = !warm ? 0 : guard ? active[i]
          : weight * (promptBlockKeys.length - (overlap >= 0 ? overlap : c.overlapBlocks(promptBlockKeys))) + active[i];
      if (best < 0 || (warm && !bestWarm) || cost < bestCost) {
        best = i;
        bestCost = cost;
        bestWarm = warm;
      }
    }
    return best;
  }

  /**
   * The share guard's bound on a WARM candidate's recent requests, given their sum, the WARM count and the
   * largest: beyond both the mean + {@value #SHARE_ABSOLUTE} and {@value #SHARE_RELATIVE}x the mean;
   * {@link Integer#MAX_VALUE} when fewer than two are WARM or none is beyond it.
   */
  public static int shareCap(long recentSum, int warm, int recentMax) {
    if (warm < 2) {
      return Integer.MAX_VALUE;
    }
    double mean = (double) recentSum / warm;
    int cap = (int) Math.floor(Math.max(mean + SHARE_ABSOLUTE, SHARE_RELATIVE * mean));
    return recentMax > cap ? cap : Integer.MAX_VALUE;
  }

  /** The cost of one WARM candidate without the guard (for tests and routing logs). */
  public double cost(Candidate c, long[] promptBlockKeys) {
    return weight * (promptBlockKeys.length - c.overlapBlocks(promptBlockKeys)) + c.activeBlocks();
  }
}
