package dev.ember.http;

import dev.ember.function.FunctionGateway;
import dev.ember.function.FunctionInfo;
import dev.ember.metrics.Exposition;
import dev.ember.metrics.MetricsSetup;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The operations endpoints: {@code GET /metrics} (Prometheus text, or OpenMetrics when the scraper
 * asks), {@code GET /health/live} (200 while the process serves HTTP) and {@code GET /health/ready}
 * (200 when the gateway is ready, i.e. a function is WARM, else 503; both with the function states as
 * JSON). Behind the API key only when {@link HttpOptions#protectOperations()} says so.
 *
 * <pre>{@code server.mount(new OperationsRoutes(gateway, metrics, httpOptions)); }</pre>
 */
public final class OperationsRoutes implements RouteContributor {
  private static final String JSON = "application/json";

  private final FunctionGateway gateway;
  private final MetricsSetup metrics;
  private final boolean protect;

  public OperationsRoutes(FunctionGateway gateway, MetricsSetup metrics, HttpOptions options) {
    this.gateway = gateway;
    this.metrics = metrics;
    this.protect = options.protectOperations();
  }

  @Override
  public void mount(Router router) {
    router.get("/metrics").handler(this::metrics);
    router.get("/health/live").handler(ctx -> ctx.response().putHeader("Content-Type", JSON)
        .end(new JsonObject().put("status", "live").encode()));
    router.get("/health/ready").handler(this::ready);
  }

  @Override
  public boolean requiresApiKey() {
    return protect;
  }

  private void metrics(RoutingContext ctx) {
    String accept = ctx.request().getHeader("Accept");
    ctx.vertx().executeBlocking(() -> metrics.scrape(accept), false).onComplete(ar -> {
      if (ar.succeeded()) {
        Exposition e = ar.result();
        ctx.response().putHeader("Content-Type", e.contentType()).end(e.body());
      } else {
        ctx.fail(ar.cause());
      }
    });
  }

  private void ready(RoutingContext ctx) {
    boolean ready = gateway.ready();
    JsonArray functions = new JsonArray();
    for (FunctionInfo f : gateway.list()) {
      JsonObject o = new JsonObject().put("name", f.name()).put("state", f.state().name());
      if (f.reason() != null) {
        o.put("reason", f.reason());
      }
      functions.add(o);
    }
    ctx.response().setStatusCode(ready ? 200 : 503).putHeader("Content-Type", JSON)
        .end(new JsonObject().put("status", ready ? "ready" : "not_ready").put("functions", functions).encode());
  }
}
