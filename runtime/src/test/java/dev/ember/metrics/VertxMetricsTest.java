package dev.ember.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VertxMetricsTest {
  private final MetricsSetup setup = MetricsSetup.create();
  private final Vertx vertx = setup.vertxBuilder(new VertxOptions()).build();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    setup.close();
  }

  @Test
  void httpServerRequestsLandInTheSameRegistryWithTheirRoute() throws Throwable {
    VertxTestContext ctx = new VertxTestContext();
    Router router = Router.router(vertx);
    router.get("/v1/models").handler(rc -> rc.response().end("{}"));
    vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .compose(s -> WebClient.create(vertx).get(s.actualPort(), "127.0.0.1", "/v1/models").send())
        .onComplete(ctx.succeedingThenComplete());
    assertTrue(ctx.awaitCompletion(10, TimeUnit.SECONDS));
    if (ctx.failed()) {
      throw ctx.causeOfFailure();
    }

    ScrapeText s = ScrapeText.parse(setup.scrape(null).body());
    assertTrue(s.value("vertx_http_server_requests_total", "route", "/v1/models", "code", "200", "method", "GET")
        .isPresent(), setup.scrape(null).body());
  }
}
