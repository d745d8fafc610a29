package dev.ember.server;

import dev.ember.testing.TemporaryDirectories;
import dev.ember.coldstart.ColdStartOptions;
import dev.ember.function.FunctionLoadOptions;
import dev.ember.function.FunctionManifest;
import dev.ember.http.HttpOptions;
import dev.ember.http.admin.AdminOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@link EmberServer} on a free loopback port with API key {@value #KEY}, and blocking HTTP
 * calls against it, for tests.
 *
 * <pre>{@code try (TestServer s = TestServer.start(List.of(), Duration.ofSeconds(5))) { s.send(s.get("/functions")); } }</pre>
 */
public final class TestServer implements AutoCloseable {
  public static final String KEY = "test-key";
  private final EmberServer server;
  // HTTP/1.1: the 503 of a stopping server carries "Connection: close", which HTTP/2 (h2c upgrade) forbids.
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private TestServer(EmberServer server) {
    this.server = server;
  }

  public static TestServer start(List<FunctionManifest> functions, Duration shutdownTimeout) throws Exception {
    return start(options(functions, shutdownTimeout));
  }

  public static TestServer start(ServerOptions options) throws Exception {
    return new TestServer(EmberServer.start(options).await(120, TimeUnit.SECONDS));
  }

  /**
   * Loopback, key {@value #KEY}, no admin key, and prefix snapshots in a fresh temporary directory (never the
   * user's cache).
   */
  public static ServerOptions options(List<FunctionManifest> functions, Duration shutdownTimeout) throws IOException {
    HttpOptions http = new HttpOptions("127.0.0.1", 0, List.of(KEY), HttpOptions.DEFAULT_BODY_LIMIT_BYTES, false);
    Path snapshots = TemporaryDirectories.create("ember-test-snapshots");
    return new ServerOptions(http, functions, shutdownTimeout, AdminOptions.defaults(),
        FunctionLoadOptions.defaults().withColdStart(ColdStartOptions.defaults().withSnapshotDirectory(snapshots)));
  }

  /** The port the server listens on. */
  public int port() {
    return server.port();
  }

  public EmberServer server() {
    return server;
  }

  public HttpClient client() {
    return client;
  }

  public HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .header("Authorization", "Bearer " + KEY).timeout(Duration.ofSeconds(120));
  }

  public HttpRequest get(String path) {
    return request(path).GET().build();
  }

  public HttpRequest post(String path, String contentType, String body) {
    return request(path).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  public HttpResponse<String> send(HttpRequest r) throws IOException, InterruptedException {
    return client.send(r, HttpResponse.BodyHandlers.ofString());
  }

  /** The OpenAI-style {@code error} object of a response. */
  public static JsonObject error(HttpResponse<String> r) {
    return new JsonObject(r.body()).getJsonObject("error");
  }

  @Override
  public void close() throws Exception {
    server.shutdown(Duration.ofSeconds(5)).await(60, TimeUnit.SECONDS);
  }
}
