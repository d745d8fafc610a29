package dev.ember.cluster.internal;

import dev.ember.cluster.RoutingPolicy;
import dev.ember.function.RouteCost;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Orders a request's candidate engines, best first (the rest are the retry order). Cache-aware: lowest
 * {@code w * (promptBlocks - overlapBlocks) + queuedBlocks}, the blocks the request would compute itself
 * plus the blocks of work queued ahead of it. When the WARM candidates' loads are out of balance
 * ({@code max - min > 64} and {@code max > 1.5 * min}) the guard takes the engines beyond that bound out
 * of the choice (they stay at the end of the retry order), and the cost picks among the rest, so a hot
 * prefix cannot pile onto one engine and the cache still counts among the engines that are in balance.
 * A share guard does the same for the traffic over time: an engine that admitted more than
 * {@value RouteCost#SHARE_RELATIVE}x the mean of the WARM engines' recent requests (and
 * {@value RouteCost#SHARE_ABSOLUTE} more; {@link RouteCost#shareCap}, the bound a function's contexts share)
 * is left out for the prompts it caches nothing of, so it keeps serving the prefixes it holds but takes
 * no new ones while it serves more than its share (queued work alone misses this: a stream of cache hits
 * queues little work at any moment, so without it the engine holding the hottest prefix went on taking
 * new prefixes and served up to 1.56x the mean of the requests).
 * In every policy a WARM candidate beats a WARMING one, which beats a COLD one; ties prefer the local
 * engine, then the replica name. The order returned is the retry order, at most {@link #MAX_TRIES} long.
 *
 * <pre>{@code List<Candidate> order = new Router(RoutingPolicy.CACHE_AWARE, 1.0).order(candidates, promptBlocks); }</pre>
 */
public final class Router {
  /** Absolute load gap (queued blocks) beyond which the guard may trip. */
  public static final int GUARD_ABSOLUTE = 64;
  /** Relative load gap beyond which the guard may trip. */
  public static final double GUARD_RELATIVE = 1.5;
  /** Engines a request tries at most: the chosen one and, if it refuses or dies first, the next ones. */
  public static final int MAX_TRIES = 4;
  /** Below this cache weight the overlap barely moves the cost, and the router reads every holder's overlap. */
  private static final double MIN_PRUNING_WEIGHT = 1e-3;
  private static final int POSITION_MASK = (1 << 22) - 1;
  /** Bits of the per-decision sketch of the engines holding the prompt's first block (a power of two). */
  private static final int SKETCH_BITS = 1024;
  /** The load cap when the guard does not trip: no engine is out of balance. */
  private static final int NO_CAP = Integer.MAX_VALUE;

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
   * scores, so a decision over a thousand engines sorts nothing. Each candidate's overlap is taken as
   * given.
   */
  public List<Candidate> order(List<Candidate> candidates, int promptBlocks) {
    return switch (policy) {
      case ROUND_ROBIN -> roundRobin(candidates);
      case LEAST_LOADED -> best(candidates, promptBlocks, false);
      case CACHE_AWARE -> {
        long caps = caps(candidates);
        yield byCost(candidates, promptBlocks, (int) (caps >>> 32), (int) caps);
      }
    };
  }

  /**
   * The same order as {@link #order(List, int)} would give the candidates with their overlaps from the
   * index, reading the index only as far as the decision needs: engines whose cache does not start with
   * the prompt's first block have no overlap; the others are weighed from the least loaded up, and one
   * that cannot beat the current last place even with the whole prompt cached ends the walk, while one
   * that lacks the block it would need to reach that place is dropped after that single lookup. The
   * candidates returned carry their overlaps; those given are read for everything but their overlap.
   */
  public List<Candidate> order(List<Candidate> candidates, long[] promptHashes, PrefixIndex index) {
    Map<EngineId, EngineBlocks> holders = index.holdingFirst(promptHashes);
    if (policy == RoutingPolicy.CACHE_AWARE) {
      long caps = caps(candidates);
      return bestByCost(candidates, promptHashes, holders, (int) (caps >>> 32), (int) caps);
    }
    List<Candidate> chosen = policy == RoutingPolicy.ROUND_ROBIN ? roundRobin(candidates)
        : best(candidates, promptHashes.length, false);
    List<Candidate> out = new ArrayList<>(chosen.size());
    for (Candidate c : chosen) {
      out.add(c.withOverlap(overlap(holders, c, promptHashes)));
    }
    return out;
  }

  /** The candidate's overlap: 0 unless it holds the prompt's first block. */
  private static int overlap(Map<EngineId, EngineBlocks> holders, Candidate c, long[] hashes) {
    EngineBlocks b = holders.isEmpty() ? null : holders.get(c.engine());
    return b == null ? 0 : b.overlap(hashes);
  }

  /** True when the guard takes the candidate out of the choice: a WARM engine loaded beyond the cap. */
  private static boolean overCap(Candidate c, int cap) {
    return c.stateRank() == 0 && c.queuedBlocks() > cap;
  }

  /** True when the share guard keeps a new prefix off the candidate: a WARM engine with recent requests beyond the cap. */
  private static boolean overShare(Candidate c, int shareCap) {
    return c.stateRank() == 0 && c.recentRequests() > shareCap;
  }

  private List<Candidate> bestByCost(List<Candidate> candidates, long[] hashes, Map<EngineId, EngineBlocks> holders,
      int cap, int shareCap) {
    int size = candidates.size();
    int k = Math.min(MAX_TRIES, size);
    Top top = new Top(k);
    // Engines a guard took out, least loaded first: the end of the retry order when the others are fewer.
    Top overloaded = cap == NO_CAP && shareCap == NO_CAP ? null : new Top(k);
    int p = hashes.length;
    // Holders, to weigh once the others have set a bar: state rank, then load, then their slot in
    // heldCandidates/heldBlocks, in one long.
    int room = holders.isEmpty() ? 0 : Math.min(size, holders.size() + 1);
    long[] sketch = room == 0 ? null : sketch(holders);
    long[] pending = new long[room];
    Candidate[] heldCandidates = new Candidate[room];
    EngineBlocks[] heldBlocks = new EngineBlocks[room];
    int held = 0;
    for (int i = 0; i < size; i++) {
      Candidate c = candidates.get(i);
      if (overloaded != null && overCap(c, cap)) {
        overloaded.offer(c, c.stateRank(), c.queuedBlocks());
        continue;
      }
      EngineBlocks blocks = room == 0 || !mayHold(sketch, c.engine()) ? null : holders.get(c.engine());
      if (blocks != null) {
        if (held == pending.length) {
          pending = Arrays.copyOf(pending, held * 2);
          heldCandidates = Arrays.copyOf(heldCandidates, held * 2);
          heldBlocks = Arrays.copyOf(heldBlocks, held * 2);
        }
        heldCandidates[held] = c;
        heldBlocks[held] = blocks;
        pending[held] = (long) c.stateRank() << 60 | Math.min(Math.max(c.queuedBlocks(), 0), (1L << 38) - 1) << 22
            | Math.min(held, POSITION_MASK);
        held++;
        continue;
      }
      if (overloaded != null && overShare(c, shareCap)) {
        overloaded.offer(c.overlapBlocks() == 0 ? c : c.withOverlap(0), c.stateRank(), c.queuedBlocks());
        continue;
      }
      top.offer(c.overlapBlocks() == 0 ? c : c.withOverlap(0), c.stateRank(), cost(c.queuedBlocks(), p, 0));
    }
    Arrays.sort(pending, 0, held);
    for (int j = 0; j < held; j++) {
      int slot = (int) (pending[j] & POSITION_MASK);
      Candidate c = heldCandidates[slot];
      int rank = c.stateRank();
      double floor = cost(c.queuedBlocks(), p, p);
      if (top.full() && top.beats(rank, floor)) {
        break; // sorted by rank and load: no later holder can do better
      }
      int probe = -1;
      if (top.full() && rank == top.lastRank() && weight >= MIN_PRUNING_WEIGHT) {
        // The least overlap that could reach the last place; a miss two blocks below it rules that out.
        probe = (int) Math.ceil(p - (top.lastCost() - floor) / weight) - 2;
      }
      int overlap = heldBlocks[slot].overlapPast(hashes, probe);
      if (overlap >= 0) {
        top.offer(c.withOverlap(overlap), rank, cost(c.queuedBlocks(), p, overlap));
      }
    }
    if (overloaded == null || top.full()) {
      return top.list();
    }
    List<Candidate> out = new ArrayList<>(top.list());
    for (Candidate c : overloaded.list()) {
      if (out.size() == k) {
        break;
      }
      out.add(c.withOverlap(overlap(holders, c, hashes)));
    }
    return out;
  }

  /**
   * A 1,024-bit sketch of the holders' engines: a candidate whose bit is clear is no holder, so a decision
   * over a large fleet looks up only the holders (and about one in ten others) in the holders' map.
   */
  private static long[] sketch(Map<EngineId, EngineBlocks> holders) {
    long[] bits = new long[SKETCH_BITS / 64];
    for (EngineId id : holders.keySet()) {
      int b = sketchBit(id);
      bits[b >>> 6] |= 1L << b;
    }
    return bits;
  }

  private static boolean mayHold(long[] sketch, EngineId id) {
    int b = sketchBit(id);
    return (sketch[b >>> 6] & 1L << b) != 0;
  }

  private static int sketchBit(EngineId id) {
    return (id.hashCode() * 0x9E3779B9) >>> (32 - Integer.numberOfTrailingZeros(SKETCH_BITS));
  }

  private double cost(int queuedBlocks, int promptBlocks, int overlapBlocks) {
    return weight * (promptBlocks - overlapBlocks) + queuedBlocks;
  }

  private List<Candidate> best(List<Candidate> candidates, int promptBlocks, boolean byCost) {
    Top top = new Top(Math.min(MAX_TRIES, candidates.size()));
    for (Candidate c : candidates) {
      top.offer(c, c.stateRank(), byCost ? cost(c, promptBlocks) : c.queuedBlocks());
    }
    return top.list();
  }

  /**
   * By cost among the engines within the load cap (and, for a prompt they cache nothing of, the share cap),
   * then (for the retry order) the others, least loaded first.
   */
  private List<Candidate> byCost(List<Candidate> candidates, int promptBlocks, int cap, int shareCap) {
    int k = Math.min(MAX_TRIES, candidates.size());
    Top top = new Top(k);
    Top overloaded = new Top(k);
    for (Candidate c : candidates) {
      if (overCap(c, cap) || c.overlapBlocks() == 0 && overShare(c, shareCap)) {
        overloaded.offer(c, c.stateRank(), c.queuedBlocks());
      } else {
        top.offer(c, c.stateRank(), cost(c, promptBlocks));
      }
    }
    List<Candidate> out = new ArrayList<>(top.list());
    for (Candidate c : overloaded.list()) {
      if (out.size() == k) {
        break;
      }
      out.add(c);
    }
    return out;
  }

  /**
   * The best few candidates seen so far, kept sorted: state rank first (any WARM engine beats any
   * WARMING one, which beats any COLD one), then the score, then the local engine, then the replica name.
   */
  private static final class Top {
    private final Candidate[] candidates;
    private final int[] ranks;
    private final double[] scores;
    private int n;

    Top(int k) {
      candidates = new Candidate[k];
      ranks = new int[k];
      scores = new double[k];
    }

    boolean full() {
      return n == candidates.length;
    }

    int lastRank() {
      return ranks[n - 1];
    }

    double lastCost() {
      return scores[n - 1];
    }

    /** True when the last place is strictly better than (rank, score), whatever the tie-break. */
    boolean beats(int rank, double score) {
      return ranks[n - 1] < rank || ranks[n - 1] == rank && scores[n - 1] < score;
    }

    void offer(Candidate c, int rank, double score) {
      int k = candidates.length;
      if (k == 0 || n == k && !better(rank, score, c, k - 1)) {
        return;
      }
      int i = n < k ? n++ : k - 1;
      while (i > 0 && better(rank, score, c, i - 1)) {
        candidates[i] = candidates[i - 1];
        ranks[i] = ranks[i - 1];
        scores[i] = scores[i - 1];
        i--;
      }
      candidates[i] = c;
      ranks[i] = rank;
      scores[i] = score;
    }

    private boolean better(int rank, double score, Candidate c, int slot) {
      if (rank != ranks[slot]) {
        return rank < ranks[slot];
      }
      if (score != scores[slot]) {
        return score < scores[slot];
      }
      Candidate other = candidates[slot];
      if (c.local() != other.local()) {
        return c.local();
      }
      return c.replica().compareTo(other.replica()) < 0;
    }

    List<Candidate> list() {
      return List.of(n == candidates.length ? candidates : Arrays.copyOf(candidates, n));
    }
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
    return weight * (promptBlocks - c.overlapBlocks()) + c.queuedBlocks();
  }

  /**
   * The most recent requests a WARM candidate may have admitted and still take a prompt it caches nothing
   * of: with the WARM candidates' mean {@code m}, beyond both {@code m + 4} and {@code 1.25 * m};
   * {@link #NO_CAP} when no candidate is beyond it.
   */
  static int shareCap(List<Candidate> candidates) {
    return (int) caps(candidates);
  }

  /** True when the WARM candidates' loads are out of balance. */
  static boolean guardTrips(List<Candidate> candidates) {
    return loadCap(candidates) != NO_CAP;
  }

  /**
   * The most load a WARM candidate may carry and stay in the choice: with the least WARM load {@code min},
   * a load is out of balance when it exceeds both {@code min + 64} and {@code 1.5 * min}; {@link #NO_CAP}
   * when no candidate is (the guard does not trip).
   */
  static int loadCap(List<Candidate> candidates) {
    return (int) (caps(candidates) >>> 32);
  }

  /** {@link #loadCap} in the high 32 bits and {@link #shareCap} in the low ones: one pass over the candidates. */
  private static long caps(List<Candidate> candidates) {
    int min = Integer.MAX_VALUE;
    int max = Integer.MIN_VALUE;
    long recentSum = 0;
    int recentMax = Integer.MIN_VALUE;
    int warm = 0;
    for (int i = 0, n = candidates.size(); i < n; i++) {
      Candidate c = candidates.get(i);
      if (c.stateRank() == 0) {
        min = Math.min(min, c.queuedBlocks());
        max = Math.max(max, c.queuedBlocks());
        recentSum += c.recentRequests();
        recentMax = Math.max(recentMax, c.recentRequests());
        warm++;
      }
    }
    int loadCap = NO_CAP;
    if (warm > 0) {
      // load > 1.5 * min holds for an integer load exactly when load > floor(1.5 * min).
      int cap = (int) Math.max((long) min + GUARD_ABSOLUTE, (long) Math.floor(GUARD_RELATIVE * min));
      loadCap = max > cap ? cap : NO_CAP;
    }
    int shareCap = RouteCost.shareCap(recentSum, warm, recentMax);
    return (long) loadCap << 32 | shareCap & 0xFFFFFFFFL;
  }
}
