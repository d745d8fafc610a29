package dev.ember.metrics;

import dev.ember.function.FunctionGateway;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.EnumSet;

/**
 * The server's one metrics registry and everything that writes to it: JVM binders, Vert.x HTTP
 * metrics (vertx-micrometer-metrics on the same registry), the per-request vLLM families
 * ({@link #servingMetrics()}) and, once the gateway exists, the families read from it at scrape time.
 * Create it before Vert.x, build Vert.x with it, and hand {@link #scrape} to {@code /metrics}.
 *
 * <pre>{@code
 * MetricsSetup metrics = MetricsSetup.create();
 * Vertx vertx = metrics.vertxBuilder(new VertxOptions()).build();
 * FunctionGateway gateway = ...(vertx, metrics.servingMetrics());
 * metrics.watch(gateway);
 * }</pre>
 */
public final class MetricsSetup implements AutoCloseable {
  private final PrometheusMeterRegistry registry;
  private final PrometheusServingMetrics servingMetrics;
  private final JvmGcMetrics gcMetrics;

  private MetricsSetup(PrometheusMeterRegistry registry) {
    this.registry = registry;
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(registry);
    servingMetrics = new PrometheusServingMetrics(registry.getPrometheusRegistry());
  }

  /** A fresh registry with JVM metrics bound and the vLLM request families registered. */
  public static MetricsSetup create() {
    return new MetricsSetup(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** What function instances report finished requests, token gaps and cold starts to. */
  public PrometheusServingMetrics servingMetrics() {
    return servingMetrics;
  }

  /** Adds the gateway-read families (request gauges, prefix cache, preemptions, function state); call once. */
  public void watch(FunctionGateway gateway) {
    registry.getPrometheusRegistry().register(new GatewayCollector(gateway));
  }

  /**
   * A Vert.x builder whose HTTP server and client metrics land in this registry, labelled by method,
   * status code and vertx-web route (bounded, unlike the raw path).
   */
  public VertxBuilder vertxBuilder(VertxOptions options) {
    MicrometerMetricsOptions metricsOptions = new MicrometerMetricsOptions()
        .setEnabled(true)
        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.HTTP_ROUTE, Label.POOL_TYPE, Label.POOL_NAME));
    return Vertx.builder()
        .with(new VertxOptions(options).setMetricsOptions(metricsOptions))
        .withMetrics(new MicrometerMetricsFactory(registry));
  }

  /** Everything in the registry, in the format the Accept header asks for (null = Prometheus text). */
  public Exposition scrape(String accept) {
    String contentType = Exposition.negotiate(accept);
    return new Exposition(contentType, registry.scrape(contentType));
  }

  @Override
  public void close() {
    gcMetrics.close();
    registry.close();
  }
}
