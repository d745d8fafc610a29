package dev.ember.cli;

import java.io.PrintStream;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The figures of a serving benchmark run, the same for every door: completed and failed requests,
 * request and output token throughput over the wall time, and TTFT, TPOT, inter-token and end-to-end
 * latency (mean, p50, p99); when the target says so, the prefix cache hit rate over the run and, for a
 * cluster, the requests each replica served (its {@code X-Ember-Replica} header) and the largest share
 * against the mean. Thread-safe while requests are added.
 */
final class ServingReport {
  final LatencyStats ttft = new LatencyStats();
  final LatencyStats tpot = new LatencyStats();
  final LatencyStats itl = new LatencyStats();
  final LatencyStats e2e = new LatencyStats();
  private final AtomicInteger failed = new AtomicInteger();
  private long promptTokens;
  private long outputTokens;
  private final Map<String, Integer> perReplica = new TreeMap<>();
  long wallNanos;
  /** Prefix cache hits over queries (tokens) during the run, or NaN when the target did not tell. */
  double prefixHitRate = Double.NaN;
  /** Replicas the load was spread over (one per {@code --url}); the tally is printed when above 1. */
  int replicas = 1;

  synchronized void add(RequestTiming t) {
    ttft.add(t.ttftNanos());
    e2e.add(t.e2eNanos());
    if (t.tpotNanos() >= 0) {
      tpot.add(t.tpotNanos());
    }
    for (long g : t.gapNanos()) {
      itl.add(g);
    }
    promptTokens += t.promptTokens();
    outputTokens += t.outputTokens();
  }

  /** Counts one request served by {@code replica} (the response's {@code X-Ember-Replica}). */
  synchronized void servedBy(String replica) {
    perReplica.merge(replica, 1, Integer::sum);
  }

  /** Requests per replica name, sorted by name. */
  synchronized Map<String, Integer> perReplica() {
    return new TreeMap<>(perReplica);
  }

  /** The busiest replica's requests over the mean per replica (1.0 is perfectly even), or NaN with none. */
  synchronized double maxShareOverMean() {
    int total = perReplica.values().stream().mapToInt(Integer::intValue).sum();
    if (total == 0) {
      return Double.NaN;
    }
    int max = perReplica.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    double mean = (double) total / Math.max(replicas, perReplica.size());
    return max / mean;
  }

  void fail() {
    failed.incrementAndGet();
  }

  int completed() {
    return e2e.count();
  }

  int failed() {
    return failed.get();
  }

  synchronized long promptTokens() {
    return promptTokens;
  }

  synchronized long outputTokens() {
    return outputTokens;
  }

  double requestsPerSecond() {
    return completed() / (wallNanos / 1e9);
  }

  double outputTokensPerSecond() {
    return outputTokens() / (wallNanos / 1e9);
  }

  void print(PrintStream out) {
    out.printf("completed %d, failed %d in %.2f s%n", completed(), failed(), wallNanos / 1e9);
    out.printf("prompt tokens %d, output tokens %d%n", promptTokens(), outputTokens());
    out.printf("request throughput %.2f req/s, output throughput %.1f tok/s%n", requestsPerSecond(),
        outputTokensPerSecond());
    out.printf("%-6s %10s %10s %10s%n", "ms", "mean", "p50", "p99");
    row(out, "TTFT", ttft);
    row(out, "TPOT", tpot);
    row(out, "ITL", itl);
    row(out, "E2E", e2e);
    if (!Double.isNaN(prefixHitRate)) {
      out.printf("prefix cache hit rate %.1f%%%n", 100 * prefixHitRate);
    }
    if (replicas > 1) {
      StringBuilder b = new StringBuilder("requests per replica:");
      perReplica().forEach((name, n) -> b.append(' ').append(name).append('=').append(n));
      out.println(b);
      out.printf("max replica share %.2fx the mean%n", maxShareOverMean());
    }
  }

  private static void row(PrintStream out, String name, LatencyStats s) {
    out.printf("%-6s %10.2f %10.2f %10.2f%n", name, s.meanMs(), s.percentileMs(50), s.percentileMs(99));
  }
}
