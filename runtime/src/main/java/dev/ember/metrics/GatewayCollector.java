package dev.ember.metrics;

import dev.ember.engine.EngineStats;
import dev.ember.function.FunctionGateway;
import dev.ember.function.FunctionInfo;
import dev.ember.function.FunctionState;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The vLLM families read from the gateway at scrape time, so functions deployed at runtime appear
 * without registration: gauges {@code vllm:num_requests_running}, {@code vllm:num_requests_waiting},
 * {@code vllm:kv_cache_usage_perc} (a 0..1 fraction, as in vLLM), counters
 * {@code vllm:prefix_cache_queries}, {@code vllm:prefix_cache_hits}, {@code vllm:num_preemptions}
 * (kept monotonic across engine restarts: a context that goes COLD and warms again continues its
 * totals), and {@code ember_function_state{state}} (1 for the current state, 0 for the others). The
 * engine families carry {@code device}, one series per device context of the function (like the
 * request families), so a function on {@code cpu:0,cpu:1} reports each context's queue and KV usage.
 *
 * <pre>{@code meterRegistry.getPrometheusRegistry().register(new GatewayCollector(gateway)); }</pre>
 */
public final class GatewayCollector implements MultiCollector {
  private static final String MODEL_NAME = PrometheusServingMetrics.MODEL_NAME;
  private static final String DEVICE = PrometheusServingMetrics.DEVICE;
  private static final List<String> NAMES = List.of("vllm:num_requests_running", "vllm:num_requests_waiting",
      "vllm:kv_cache_usage_perc", "vllm:prefix_cache_queries", "vllm:prefix_cache_hits", "vllm:num_preemptions",
      "ember_function_state");

  private final FunctionGateway gateway;
  private final Map<ContextKey, EngineTotals> totals = new HashMap<>();

  public GatewayCollector(FunctionGateway gateway) {
    this.gateway = gateway;
  }

  @Override
  public synchronized MetricSnapshots collect() {
    GaugeSnapshot.Builder running = GaugeSnapshot.builder().name(NAMES.get(0))
        .help("Requests in model execution batches.");
    GaugeSnapshot.Builder waiting = GaugeSnapshot.builder().name(NAMES.get(1)).help("Requests waiting to be processed.");
    GaugeSnapshot.Builder kvUsage = GaugeSnapshot.builder().name(NAMES.get(2))
        .help("KV cache usage; 1 means 100 percent usage.");
    CounterSnapshot.Builder queries = CounterSnapshot.builder().name(NAMES.get(3))
        .help("Prefix cache queries, in tokens.");
    CounterSnapshot.Builder hits = CounterSnapshot.builder().name(NAMES.get(4)).help("Prefix cache hits, in tokens.");
    CounterSnapshot.Builder preemptions = CounterSnapshot.builder().name(NAMES.get(5))
        .help("Cumulative number of preemptions.");
    GaugeSnapshot.Builder state = GaugeSnapshot.builder().name(NAMES.get(6))
        .help("1 for the function's current lifecycle state, 0 for the others.");
    for (FunctionInfo f : gateway.list()) {
      for (FunctionGateway.ContextStats c : gateway.contextStats(f)) {
        Labels labels = Labels.of(MODEL_NAME, f.name(), DEVICE, c.device());
        EngineStats s = c.stats();
        running.dataPoint(gauge(labels, s == null ? 0 : s.running()));
        waiting.dataPoint(gauge(labels, s == null ? 0 : s.waiting()));
        kvUsage.dataPoint(gauge(labels, s == null ? 0 : s.kvUsage()));
        EngineTotals t = totals.computeIfAbsent(new ContextKey(f.name(), c.device()), k -> new EngineTotals());
        if (s != null) {
          t.update(s);
        }
        queries.dataPoint(counter(labels, t.queries.value()));
        hits.dataPoint(counter(labels, t.hits.value()));
        preemptions.dataPoint(counter(labels, t.preemptions.value()));
      }
      for (FunctionState st : FunctionState.values()) {
        state.dataPoint(gauge(Labels.of(MODEL_NAME, f.name(), "state", st.name()), st == f.state() ? 1 : 0));
      }
    }
    return MetricSnapshots.of(running.build(), waiting.build(), kvUsage.build(), queries.build(), hits.build(),
        preemptions.build(), state.build());
  }

  @Override
  public List<String> getPrometheusNames() {
    return NAMES;
  }

  private static GaugeDataPointSnapshot gauge(Labels labels, double value) {
    return GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
  }

  private static CounterDataPointSnapshot counter(Labels labels, double value) {
    return CounterDataPointSnapshot.builder().labels(labels).value(value).build();
  }

  private record ContextKey(String function, String device) {}

  /** The three engine counters of one device context, carried over engine restarts. */
  private static final class EngineTotals {
    final MonotonicTotal queries = new MonotonicTotal();
    final MonotonicTotal hits = new MonotonicTotal();
    final MonotonicTotal preemptions = new MonotonicTotal();

    void update(EngineStats s) {
      queries.update(s.prefixCacheQueries());
      hits.update(s.prefixCacheHits());
      preemptions.update(s.preemptions());
    }
  }

  /** A counter fed with an engine's cumulative value: a drop means a new engine, whose count adds on. */
  private static final class MonotonicTotal {
    private long base;
    private long last;

    void update(long current) {
      if (current < last) {
        base += last;
      }
      last = current;
    }

    long value() {
      return base + last;
    }
  }
}
