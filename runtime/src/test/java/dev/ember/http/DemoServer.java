package dev.ember.http;

import dev.ember.engine.EngineStats;
import dev.ember.function.FunctionEndpoint;
import dev.ember.function.FunctionInstance;
import dev.ember.function.FunctionManifest;
import dev.ember.function.ServingMetrics;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A real Ember HTTP server on a loopback port 0 serving the embedded demo model as function "demo"
 * (plus any extra endpoints), with API key {@link #KEY}; and a plain HTTP/1.1 client for it.
 */
final class DemoServer implements AutoCloseable {
  static final String KEY = "sk-test";
  final Vertx vertx;
  final FunctionInstance demo;
  final EmberHttpServer server;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  private DemoServer(Vertx vertx, FunctionInstance demo, EmberHttpServer server) {
    this.vertx = vertx;
    this.demo = demo;
    this.server = server;
  }

  static DemoServer start(HttpOptions options, List<RouteContributor> extra, FunctionEndpoint... others) throws Exception {
    Vertx vertx = Vertx.vertx();
    FunctionManifest manifest = FunctionManifest.of("demo", FunctionManifest.ModelSpec.EMBEDDED_DEMO, null)
        .withLimits(new FunctionManifest.Limits(256, 2048));
    FunctionInstance demo = new FunctionInstance(vertx, manifest, ServingMetrics.NOOP);
    demo.warm().await(180, TimeUnit.SECONDS);
    MapGateway gateway = new MapGateway().add(demo);
    for (FunctionEndpoint f : others) {
      gateway.add(f);
    }
    EmberHttpServer server = EmberHttpServer.start(vertx, gateway, options, extra).await(30, TimeUnit.SECONDS);
    return new DemoServer(vertx, demo, server);
  }

  static DemoServer start() throws Exception {
    return start(HttpOptions.defaults().withHost("127.0.0.1").withPort(0).withApiKeys(List.of(KEY)), List.of());
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  HttpResponse<String> post(String path, String body) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).header("Authorization", "Bearer " + KEY)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).header("Authorization", "Bearer " + KEY).GET());
  }

  HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
  }

  EngineStats stats() {
    return demo.info().stats();
  }

  /** Polls a condition until it holds or the deadline passes; true when it held. */
  static boolean eventually(Duration within, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(10);
    }
    return condition.getAsBoolean();
  }

  @Override
  public void close() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
  }
}
