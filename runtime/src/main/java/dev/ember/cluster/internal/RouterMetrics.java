package dev.ember.cluster.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * The router's and the index's Prometheus series: {@code ember_router_decisions_total{function,outcome}}
 * (outcome local, forwarded, retried or failed), {@code ember_router_overlap_blocks} (histogram of the
 * chosen engine's cached prefix, in blocks), {@code ember_cluster_index_blocks{member}} and
 * {@code ember_cluster_event_lag_seconds}.
 *
 * <pre>{@code metrics.decision("demo", RouterMetrics.FORWARDED); }</pre>
 */
public final class RouterMetrics {
  public static final String LOCAL = "local";
  public static final String FORWARDED = "forwarded";
  public static final String RETRIED = "retried";
  public static final String FAILED = "failed";

  private final MeterRegistry registry;
  private final Map<String, Counter> decisions = new ConcurrentHashMap<>();
  private final DistributionSummary overlap;
  private final Set<String> members = ConcurrentHashMap.newKeySet();
  private final ToLongFunction<String> indexBlocks;

  public RouterMetrics(MeterRegistry registry, ToLongFunction<String> indexBlocks, java.util.function.LongSupplier lagMillis) {
    this.registry = registry;
    this.indexBlocks = indexBlocks;
    this.overlap = DistributionSummary.builder("ember.router.overlap.blocks")
        .description("Cached prompt prefix of the engine each request was routed to, in KV blocks")
        .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512).register(registry);
    Gauge.builder("ember.cluster.event.lag", lagMillis, l -> l.getAsLong() / 1000.0).baseUnit("seconds")
        .description("Age of the newest peer KV event batch when it was applied").register(registry);
  }

  public void decision(String function, String outcome) {
    decisions.computeIfAbsent(function + "\u0000" + outcome, k -> Counter.builder("ember.router.decisions")
        .description("Routing decisions by outcome").tag("function", function).tag("outcome", outcome)
        .register(registry)).increment();
  }

  public void overlap(int blocks) {
    overlap.record(blocks);
  }

  /** Makes sure the member has an index-size series. */
  public void member(String member) {
    if (members.add(member)) {
      Gauge.builder("ember.cluster.index.blocks", member, indexBlocks::applyAsLong)
          .description("KV blocks of each member in this replica's prefix index").tag("member", member)
          .register(registry);
    }
  }
}
