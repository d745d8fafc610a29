package dev.ember.cli;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The figures of a serving benchmark run, the same for every door: completed and failed requests,
 * request and output token throughput over the wall time, and TTFT, TPOT, inter-token and end-to-end
 * latency (mean, p50, p99). Thread-safe while requests are added.
 */
final class ServingReport {
  final LatencyStats ttft = new LatencyStats();
  final LatencyStats tpot = new LatencyStats();
  final LatencyStats itl = new LatencyStats();
  final LatencyStats e2e = new LatencyStats();
  private final AtomicInteger failed = new AtomicInteger();
  private long promptTokens;
  private long outputTokens;
  long wallNanos;

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
  }

  private static void row(PrintStream out, String name, LatencyStats s) {
    out.printf("%-6s %10.2f %10.2f %10.2f%n", name, s.meanMs(), s.percentileMs(50), s.percentileMs(99));
  }
}
