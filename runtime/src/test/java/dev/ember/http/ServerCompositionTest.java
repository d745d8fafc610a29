package dev.ember.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How the server composes route contributors, API keys and shutdown, with no function deployed. */
class ServerCompositionTest {
  Vertx vertx;
  EmberHttpServer server;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    RouteContributor open = RouteContributor.of(false, r -> r.get("/health/live").handler(ctx -> ctx.end("up")));
    RouteContributor guarded = RouteContributor.of(true, r -> r.get("/metrics").handler(ctx -> ctx.end("m 1")));
    server = EmberHttpServer.start(vertx, new MapGateway(),
        HttpOptions.defaults().withHost("127.0.0.1").withPort(0).withApiKeys(List.of(DemoServer.KEY)),
        List.of(open, guarded)).await(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  HttpResponse<String> get(String path, boolean withKey) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path))
        .timeout(Duration.ofSeconds(30));
    if (withKey) {
      b.header("Authorization", "Bearer " + DemoServer.KEY);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void openContributorNeedsNoKey() throws Exception {
    assertEquals(200, get("/health/live", false).statusCode());
  }

  @Test
  void guardedContributorNeedsTheKey() throws Exception {
    assertEquals(401, get("/metrics", false).statusCode());
    assertEquals("m 1", get("/metrics", true).body());
  }

  @Test
  void unknownRouteWithKeyIsJsonNotFound() throws Exception {
    HttpResponse<String> r = get("/nowhere", true);
    HttpErrorResponsesTest.errorOf(r, 404);
  }

  @Test
  void afterStopAcceptingNewRequestsGetShuttingDownAndDrainedCompletes() throws Exception {
    server.stopAccepting();
    HttpResponse<String> r = get("/health/live", false);
    assertEquals("shutting_down", HttpErrorResponsesTest.errorOf(r, 503).getString("code"));
    server.drained().await(10, TimeUnit.SECONDS);
    assertEquals(0, server.inFlightRequests());
  }

  @Test
  void modelsIsEmptyWithNoFunctions() throws Exception {
    HttpResponse<String> r = get("/v1/models", true);
    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains("\"data\":[]"), r.body());
  }
}
