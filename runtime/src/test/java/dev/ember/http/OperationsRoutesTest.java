package dev.ember.http;

import static dev.ember.metrics.FakeGateway.stats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.function.FunctionState;
import dev.ember.metrics.Exposition;
import dev.ember.metrics.FakeGateway;
import dev.ember.metrics.MetricsSetup;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(VertxExtension.class)
class OperationsRoutesTest {
  private final FakeGateway gateway = new FakeGateway();
  private final MetricsSetup metrics = MetricsSetup.create();
  private WebClient client;
  private int port;

  @BeforeEach
  void start(Vertx vertx, VertxTestContext ctx) {
    metrics.watch(gateway);
    Router router = Router.router(vertx);
    new OperationsRoutes(gateway, metrics, HttpOptions.defaults()).mount(router);
    client = WebClient.create(vertx);
    vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").onComplete(ctx.succeeding(s -> {
      port = s.actualPort();
      ctx.completeNow();
    }));
  }

  @AfterEach
  void close() {
    metrics.close();
  }

  private Future<HttpResponse<Buffer>> get(String path, String accept) {
    var request = client.get(port, "127.0.0.1", path);
    if (accept != null) {
      request.putHeader("Accept", accept);
    }
    return request.send();
  }

  @Test
  void liveAnswers200(VertxTestContext ctx) {
    get("/health/live", null).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertEquals(200, r.statusCode());
      ctx.completeNow();
    })));
  }

  @Test
  void readyIs503UntilAFunctionTurnsWarm(VertxTestContext ctx) {
    gateway.put("f", FunctionState.WARMING, null);
    get("/health/ready", null).compose(r -> {
      ctx.verify(() -> {
        assertEquals(503, r.statusCode());
        JsonObject body = r.bodyAsJsonObject();
        assertEquals("not_ready", body.getString("status"));
        assertEquals("WARMING", body.getJsonArray("functions").getJsonObject(0).getString("state"));
      });
      gateway.put("f", FunctionState.WARM, stats(0, 0, 0, 0, 0, 0));
      return get("/health/ready", null);
    }).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertEquals(200, r.statusCode());
      assertEquals("WARM", r.bodyAsJsonObject().getJsonArray("functions").getJsonObject(0).getString("state"));
      ctx.completeNow();
    })));
  }

  @Test
  void readyListsWhyAFunctionFailed(VertxTestContext ctx) {
    gateway.put("f", FunctionState.FAILED, null);
    get("/health/ready", null).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertEquals(503, r.statusCode());
      JsonObject f = r.bodyAsJsonObject().getJsonArray("functions").getJsonObject(0);
      assertEquals("FAILED", f.getString("state"));
      assertEquals("weights missing", f.getString("reason"));
      ctx.completeNow();
    })));
  }

  @Test
  void metricsServesPrometheusText(VertxTestContext ctx) {
    gateway.put("f", FunctionState.WARM, stats(2, 0, 0, 0, 0, 0));
    get("/metrics", null).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertEquals(200, r.statusCode());
      assertEquals(Exposition.TEXT_CONTENT_TYPE, r.getHeader("Content-Type"));
      assertTrue(r.bodyAsString().contains("vllm:num_requests_running{device=\"cpu\",model_name=\"f\"} 2"), r.bodyAsString());
      ctx.completeNow();
    })));
  }

  @Test
  void metricsServesOpenMetricsWhenTheScraperAsks(VertxTestContext ctx) {
    get("/metrics", "application/openmetrics-text;version=1.0.0").onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertEquals(Exposition.OPENMETRICS_CONTENT_TYPE, r.getHeader("Content-Type"));
      assertTrue(r.bodyAsString().stripTrailing().endsWith("# EOF"));
      ctx.completeNow();
    })));
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void apiKeyRequirementFollowsProtectOperations(boolean protect) {
    HttpOptions options = new HttpOptions("127.0.0.1", 0, java.util.List.of("k"), 1 << 20, protect);
    assertEquals(protect, new OperationsRoutes(gateway, metrics, options).requiresApiKey());
  }
}
