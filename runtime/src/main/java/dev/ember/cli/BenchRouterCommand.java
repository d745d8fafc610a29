package dev.ember.cli;

import dev.ember.cluster.internal.RouterBenchmark;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ember bench router}: the cluster's prefix index and router alone, in-process, with simulated
 * replicas: heap per indexed block, KV event ingestion rate on one thread, and the latency of one
 * routing decision over every replica.
 *
 * <pre>{@code ./ember bench router --replicas 1000 --blocks 100000 --prompt-len 2000}</pre>
 */
@Command(name = "router", mixinStandardHelpOptions = true,
    description = "Benchmark the cluster prefix index and router with simulated replicas.")
public final class BenchRouterCommand implements Callable<Integer> {
  @Option(names = "--replicas", defaultValue = "1000", description = "Simulated replicas. Default: ${DEFAULT-VALUE}.")
  int replicas;

  @Option(names = "--blocks", defaultValue = "100000", description = "Cached blocks per replica. Default: ${DEFAULT-VALUE}.")
  int blocks;

  @Option(names = "--prompt-len", defaultValue = "2000", description = "Prompt tokens per decision. Default: ${DEFAULT-VALUE}.")
  int promptLen;

  @Option(names = "--block-size", defaultValue = "16", description = "Tokens per block. Default: ${DEFAULT-VALUE}.")
  int blockSize;

  @Option(names = "--decisions", defaultValue = "5000", description = "Routing decisions timed. Default: ${DEFAULT-VALUE}.")
  int decisions;

  @Override
  public Integer call() {
    if (replicas < 1 || blocks < 1 || promptLen < blockSize || blockSize < 1 || decisions < 1) {
      System.err.println("ember bench router: --replicas, --blocks, --decisions must be >= 1 and --prompt-len >= --block-size");
      return 2;
    }
    System.out.printf("filling the index: %d replicas x %d blocks...%n", replicas, blocks);
    RouterBenchmark.Result r = RouterBenchmark.run(replicas, blocks, promptLen, blockSize, decisions, 1);
    System.out.printf("index memory        %.1f bytes per block (heap growth over %d blocks)%n", r.heapBytesPerBlock(),
        (long) r.replicas() * r.blocksPerReplica());
    System.out.printf("event ingestion     %.2f M events/s, %.1f M block hashes/s (decode + apply, CPU time of one thread)%n",
        r.eventsPerSecond() / 1e6, r.hashesPerSecond() / 1e6);
    System.out.printf("routing decision    p50 %.1f us, p99 %.1f us (CPU time) over %d replicas, %d-block prompt (%d decisions),"
        + " loads 0..199 blocks: the guard trips%n",
        r.percentile(0.5) / 1e3, r.percentile(0.99) / 1e3, r.replicas(), r.promptBlocks(), r.decisionNanos().length);
    System.out.printf("routing decision    p50 %.1f us, p99 %.1f us, loads 0..63 blocks: balanced, every holder weighed by cost%n",
        r.balancedPercentile(0.5) / 1e3, r.balancedPercentile(0.99) / 1e3);
    System.out.printf("prompt hashing      %.1f us for %d tokens (sha256_cbor, once per request)%n",
        r.promptHashNanos() / 1e3, promptLen);
    return 0;
  }
}
