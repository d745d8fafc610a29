package dev.ember.cluster.internal;

import dev.ember.cluster.RoutingPolicy;
import dev.ember.function.FunctionState;
import dev.ember.kv.BlockHasher;
import dev.ember.kv.KvEvent;
import io.vertx.core.buffer.Buffer;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The prefix index and the router alone, in this process, with simulated replicas: fills the index with
 * every replica's cached blocks, measures the heap it takes per block, how many KV events one thread
 * decodes and applies per second (the wire form peers publish), and how long one cache-aware routing
 * decision over all replicas takes for a prompt of a given length. Times are the measuring thread's
 * CPU time, so a busy machine slows the run but not the figures.
 *
 * <pre>{@code RouterBenchmark.Result r = RouterBenchmark.run(1000, 100_000, 2000, 16, 10_000, 1); }</pre>
 */
public final class RouterBenchmark {
  private static final int BLOCKS_PER_EVENT = 16;
  /** Simulated cached sequences are this many events (64 blocks, 1,024 tokens) long. */
  private static final int CHAIN_BATCHES = 4;
  /** Untimed decisions before each timed series (a decision loops over every replica, so it compiles late). */
  private static final int WARM_UP_DECISIONS = 20_000;
  private static final java.lang.management.ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  /**
   * @param heapBytesPerBlock heap growth of the filled index over the blocks it holds
   * @param eventsPerSecond BlockStored/BlockRemoved events decoded and applied per second on one thread
   * @param hashesPerSecond block hashes in those events per second
   * @param decisionNanos sorted latencies of routing decisions, loads spread over 0..199 blocks (the guard trips)
   * @param balancedDecisionNanos the same with loads within 0..63 blocks (the guard never trips: the cost decides)
   * @param promptHashNanos hashing the prompt's blocks once (median)
   */
  public record Result(int replicas, int blocksPerReplica, int promptBlocks, double heapBytesPerBlock,
      double eventsPerSecond, double hashesPerSecond, long[] decisionNanos, long[] balancedDecisionNanos,
      long promptHashNanos) {
    public long percentile(double p) {
      return percentile(decisionNanos, p);
    }

    public long balancedPercentile(double p) {
      return percentile(balancedDecisionNanos, p);
    }

    private static long percentile(long[] sorted, double p) {
      return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    }
  }

  private RouterBenchmark() {}

  public static Result run(int replicas, int blocksPerReplica, int promptTokens, int blockSize, int decisions,
      long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int promptBlocks = promptTokens / blockSize;
    long[] prompt = new long[promptBlocks];
    for (int i = 0; i < promptBlocks; i++) {
      prompt[i] = random.nextLong();
    }
    long heapBefore = usedHeap();
    PrefixIndex index = new PrefixIndex();
    EngineId[] ids = new EngineId[replicas];
    long[] hashes = new long[BLOCKS_PER_EVENT];
    for (int r = 0; r < replicas; r++) {
      ids[r] = new EngineId("member-" + r, "f");
      EngineBlocks blocks = index.engine(ids[r]);
      // One replica in ten caches a leading run of the prompt, of any length.
      int shared = r % 10 == 0 ? random.nextInt(promptBlocks + 1) : 0;
      blocks.apply(List.of(new KvEvent.BlockStored(Arrays.copyOf(prompt, shared), null, new int[0], blockSize)));
      for (int filled = shared, batch = 0; filled < blocksPerReplica; filled += BLOCKS_PER_EVENT, batch++) {
        int n = Math.min(BLOCKS_PER_EVENT, blocksPerReplica - filled);
        for (int i = 0; i < n; i++) {
          hashes[i] = random.nextLong();
        }
        // Cached sequences of CHAIN_BATCHES events each: the first event of a sequence starts its chain.
        Long parent = batch % CHAIN_BATCHES == 0 ? null : hashes[0];
        blocks.apply(List.of(new KvEvent.BlockStored(Arrays.copyOf(hashes, n), parent, new int[0], blockSize)));
      }
    }
    long heapAfter = usedHeap();
    double bytesPerBlock = (double) (heapAfter - heapBefore) / ((long) replicas * blocksPerReplica);

    double[] ingestion = ingestion(random, 20_000);
    long[] latencies = decisions(index, ids, prompt, random, decisions, 200);
    long[] balanced = decisions(index, ids, prompt, random, decisions, Router.GUARD_ABSOLUTE);
    long hashNanos = promptHashing(promptTokens, blockSize, random);
    return new Result(replicas, blocksPerReplica, promptBlocks, bytesPerBlock, ingestion[0], ingestion[1], latencies,
        balanced, hashNanos);
  }

  /** Events/s and hashes/s of decoding and applying encoded batches (a store then a removal per batch). */
  private static double[] ingestion(SplittableRandom random, int batches) {
    List<Buffer> wire = new ArrayList<>(batches);
    for (int b = 0; b < batches; b++) {
      long[] h = new long[BLOCKS_PER_EVENT];
      for (int i = 0; i < h.length; i++) {
        h[i] = random.nextLong();
      }
      wire.add(KvEventCodec.encodeBatch("member-1", "f", 1, b, 0, List.of(
          new KvEvent.BlockStored(h, null, new int[0], 16), new KvEvent.BlockRemoved(Arrays.copyOf(h, 4)))));
    }
    EngineBlocks target = new EngineBlocks(new EngineId("member-1", "f"), new FirstBlocks());
    for (int round = 0; round < 3; round++) {
      target.clear();
      for (Buffer b : wire) {
        target.apply(KvEventCodec.decodeBatch(b).events());
      }
    }
    target.clear();
    // CPU time of this thread: the rate one core sustains, even on a machine busy with other work.
    long t0 = CPU.getCurrentThreadCpuTime();
    for (Buffer b : wire) {
      target.apply(KvEventCodec.decodeBatch(b).events());
    }
    double seconds = (CPU.getCurrentThreadCpuTime() - t0) / 1e9;
    return new double[] {2.0 * batches / seconds, (BLOCKS_PER_EVENT + 4.0) * batches / seconds};
  }

  private static long[] decisions(PrefixIndex index, EngineId[] ids, long[] prompt, SplittableRandom random,
      int decisions, int loads) {
    Router router = new Router(RoutingPolicy.CACHE_AWARE, 1.0);
    int[] load = new int[ids.length];
    for (int i = 0; i < load.length; i++) {
      load[i] = random.nextInt(loads);
    }
    // The directory makes each peer's candidate when its entry arrives (ReplicaDirectory.peerCandidates).
    Candidate[] peers = new Candidate[ids.length];
    for (int r = 0; r < ids.length; r++) {
      peers[r] = new Candidate(ids[r], ids[r].member(), false, FunctionState.WARM, load[r], 0, "peer");
    }
    long[] nanos = new long[decisions];
    long sink = 0;
    // Untimed decisions first, until the JIT has compiled the decision path: after 2,000 the next
    // thousand still ran mostly slower code and filled the upper percentiles with warm-up, not routing.
    for (int d = -WARM_UP_DECISIONS; d < decisions; d++) {
      long t0 = CPU.getCurrentThreadCpuTime();
      // As ClusterGateway.candidates collects them for a request, then the router reads the index.
      List<Candidate> all = new ArrayList<>(peers.length);
      for (Candidate c : peers) {
        all.add(c);
      }
      sink += router.order(all, prompt, index).get(0).overlapBlocks();
      long t1 = CPU.getCurrentThreadCpuTime();
      if (d >= 0) {
        nanos[d] = t1 - t0;
      }
    }
    if (sink == Long.MIN_VALUE) {
      System.out.print("");
    }
    Arrays.sort(nanos);
    return nanos;
  }

  private static long promptHashing(int promptTokens, int blockSize, SplittableRandom random) {
    int[] tokens = new int[promptTokens];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = random.nextInt(150_000);
    }
    BlockHasher hasher = new BlockHasher("ember");
    long[] t = new long[200];
    for (int i = -50; i < t.length; i++) {
      long t0 = CPU.getCurrentThreadCpuTime();
      hasher.blockKeys(tokens, tokens.length, blockSize, null);
      if (i >= 0) {
        t[i] = CPU.getCurrentThreadCpuTime() - t0;
      }
    }
    Arrays.sort(t);
    return t[t.length / 2];
  }

  private static long usedHeap() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
