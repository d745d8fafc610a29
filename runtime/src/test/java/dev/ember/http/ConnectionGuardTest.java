package dev.ember.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Header, body and idle timeouts and the per-client connection limit, over raw TCP against a real server. */
class ConnectionGuardTest {
  static final int MAX_PER_CLIENT = 3;
  Vertx vertx;
  EmberHttpServer server;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    ConnectionOptions limits = new ConnectionOptions(Duration.ofMillis(800), Duration.ofMillis(600),
        Duration.ofMillis(600), MAX_PER_CLIENT, false);
    // A route that answers after longer than every timeout, like a long generation.
    RouteContributor slow = RouteContributor.of(false, r -> r.get("/slow").handler(ctx ->
        vertx.setTimer(1_500, t -> ctx.response().end("done"))));
    server = EmberHttpServer.start(vertx, new MapGateway(), HttpOptions.defaults().withHost("127.0.0.1").withPort(0)
        .withConnections(limits), List.of(slow)).await(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  RawHttp connect() throws IOException {
    return new RawHttp(server.actualPort(), 5_000);
  }

  static final String MODELS = "GET /v1/models HTTP/1.1\r\nHost: localhost\r\n\r\n";

  @Test
  void headersTrickledByteByByteAreCutOff() throws Exception {
    try (RawHttp c = connect()) {
      c.write("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\n");
      String trickle = "X-Slow: " + "a".repeat(200);
      long start = System.nanoTime();
      boolean closed = false;
      for (int i = 0; i < trickle.length() && !closed; i++) {
        try {
          c.write(trickle.substring(i, i + 1));
        } catch (IOException e) {
          closed = true;
        }
        Thread.sleep(20);
      }
      assertTrue(closed || c.closedByServer(), "slowloris connection still open");
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4), "closed too late");
    }
  }

  @Test
  void bodyShorterThanItsContentLengthGets408AndTheConnectionCloses() throws Exception {
    try (RawHttp c = connect()) {
      c.write("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
          + "Content-Length: 100\r\n\r\n{\"model\":");
      RawHttp.Response r = c.readResponse();
      assertEquals(408, r.status(), r.head());
      JsonObject error = new JsonObject(r.body()).getJsonObject("error");
      assertEquals("request_timeout", error.getString("code"));
      assertTrue(c.closedByServer(), "connection left open after 408");
    }
  }

  @Test
  void idleKeepAliveConnectionIsClosed() throws Exception {
    try (RawHttp c = connect()) {
      c.write(MODELS);
      assertEquals(200, c.readResponse().status());
      assertTrue(c.closedByServer(), "idle connection still open");
    }
  }

  @Test
  void aRequestBeingAnsweredIsNotCutByTheTimeouts() throws Exception {
    try (RawHttp c = connect()) {
      c.write("GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n");
      RawHttp.Response r = c.readResponse();
      assertEquals(200, r.status());
      assertEquals("done", r.body());
    }
  }

  @Test
  void keepAliveConnectionServesRequestsWithinTheIdleTimeout() throws Exception {
    try (RawHttp c = connect()) {
      for (int i = 0; i < 3; i++) {
        c.write(MODELS);
        assertEquals(200, c.readResponse().status());
        Thread.sleep(300);
      }
    }
  }

  @Test
  void connectionsBeyondTheClientLimitAreClosed() throws Exception {
    List<RawHttp> open = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_PER_CLIENT; i++) {
        RawHttp c = connect();
        open.add(c);
        c.write(MODELS);
        assertEquals(200, c.readResponse().status());
      }
      try (RawHttp extra = connect()) {
        try {
          extra.write(MODELS);
        } catch (IOException closedAlready) {
          // the server may close before the request is written
        }
        assertTrue(extra.closedByServer(), "connection beyond the limit was served");
      }
      open.remove(0).close();
      assertTrue(DemoServer.eventually(Duration.ofSeconds(5), () -> {
        try (RawHttp again = connect()) {
          again.write(MODELS);
          return again.readResponse().status() == 200;
        } catch (IOException e) {
          return false;
        }
      }), "a closed connection's slot was not given back");
    } finally {
      for (RawHttp c : open) {
        c.close();
      }
    }
  }

  @Test
  void optionsRejectNonPositiveValues() {
    assertThrowsIae(() -> new ConnectionOptions(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1), 1, false));
    assertThrowsIae(() -> new ConnectionOptions(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), 0, false));
  }

  private static void assertThrowsIae(Runnable r) {
    try {
      r.run();
    } catch (IllegalArgumentException expected) {
      return;
    }
    assertFalse(true, "expected IllegalArgumentException");
  }
}
