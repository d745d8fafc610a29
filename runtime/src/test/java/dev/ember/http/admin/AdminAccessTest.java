package dev.ember.http.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.function.FunctionLoadOptions;
import dev.ember.http.HttpOptions;
import dev.ember.server.ServerOptions;
import dev.ember.server.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import java.net.http.HttpClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Who may use the admin API: loopback clients only without an admin key (even on 0.0.0.0), any client
 * with the admin key and never with an inference key; and the model roots deploys must stay under.
 */
class AdminAccessTest {
  static final String ADMIN_KEY = "admin-secret";

  static TestServer server(String host, AdminOptions admin) throws Exception {
    ServerOptions base = TestServer.options(List.of(), Duration.ofSeconds(5));
    HttpOptions http = base.http().withHost(host);
    return TestServer.start(new ServerOptions(http, List.of(), base.shutdownTimeout(), admin, base.load()));
  }

  static HttpResponse<String> get(TestServer s, String host, String path, String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host + ":" + s.port() + path))
        .timeout(Duration.ofSeconds(30)).GET();
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return s.send(b.build());
  }

  @Test
  void withoutAnAdminKeyOnlyLoopbackClientsReachTheAdminApi() throws Exception {
    try (TestServer s = server("0.0.0.0", AdminOptions.defaults())) {
      assertEquals(200, get(s, "127.0.0.1", "/functions", TestServer.KEY).statusCode());
    }
    // Every test client is on loopback (tests send no traffic elsewhere), so a client counted as remote
    // stands for one on another host: the same handler, over a real connection.
    Vertx vertx = Vertx.vertx();
    try {
      Router router = Router.router(vertx);
      router.route("/functions*").handler(new AdminAccess(List.of(), List.of(TestServer.KEY), client -> false));
      router.route("/functions*").handler(ctx -> ctx.response().end("admin"));
      HttpServer http = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
          .await(10, TimeUnit.SECONDS);
      HttpResponse<String> remote = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
          "http://127.0.0.1:" + http.actualPort() + "/functions")).header("Authorization", "Bearer " + TestServer.KEY)
          .GET().build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(403, remote.statusCode(), remote.body());
      assertEquals("admin_api_forbidden", new JsonObject(remote.body()).getJsonObject("error").getString("code"));
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void inferenceAndInvokeStayServedToEveryClient() throws Exception {
    try (TestServer s = server("0.0.0.0", AdminOptions.defaults())) {
      assertEquals(200, get(s, "127.0.0.1", "/v1/models", TestServer.KEY).statusCode());
      assertEquals(404, invoke(s, "127.0.0.1", TestServer.KEY).statusCode(), "invoking a function is inference");
      assertEquals(401, invoke(s, "127.0.0.1", null).statusCode(), "and needs an inference key");
    }
  }

  static HttpResponse<String> invoke(TestServer s, String host, String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host + ":" + s.port() + "/functions/nope/invoke"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return s.send(b.build());
  }

  @Test
  void withAnAdminKeyTheAdminApiNeedsItFromAnywhereAndInferenceKeysDoNotOpenIt() throws Exception {
    try (TestServer s = server("0.0.0.0", new AdminOptions(List.of(ADMIN_KEY), List.of()))) {
      for (String host : List.of("127.0.0.1", "127.0.0.2")) {
        assertEquals(200, get(s, host, "/functions", ADMIN_KEY).statusCode(), host);
        HttpResponse<String> inference = get(s, host, "/functions", TestServer.KEY);
        assertEquals(401, inference.statusCode(), host);
        assertEquals("invalid_api_key", TestServer.error(inference).getString("code"));
        assertEquals(401, get(s, host, "/functions/demo", null).statusCode(), host);
        assertEquals(401, get(s, host, "/v1/models", ADMIN_KEY).statusCode(), "the admin key is not an inference key");
      }
    }
  }

  @Test
  void withAnAdminPortTheAdminApiIsServedThereOnly() throws Exception {
    try (TestServer s = server("127.0.0.1", AdminOptions.defaults().onPort("127.0.0.1", 0))) {
      int admin = s.server().adminPort();
      assertTrue(admin != s.port(), "a port of its own");
      HttpResponse<String> onInferencePort = get(s, "127.0.0.1", "/functions", TestServer.KEY);
      assertEquals(404, onInferencePort.statusCode(), onInferencePort.body());
      HttpResponse<String> onAdminPort = s.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin
          + "/functions")).header("Authorization", "Bearer " + TestServer.KEY).GET().build());
      assertEquals(200, onAdminPort.statusCode(), onAdminPort.body());
      HttpResponse<String> noKey = s.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin
          + "/functions")).GET().build());
      assertEquals(401, noKey.statusCode(), "the same access rules apply there");
      assertEquals(404, s.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/v1/models"))
          .header("Authorization", "Bearer " + TestServer.KEY).GET().build()).statusCode(), "no inference there");
    }
  }

  @Test
  void anAdminKeyThatIsAlsoAnInferenceKeyIsRefused() throws Exception {
    ServerOptions base = TestServer.options(List.of(), Duration.ofSeconds(5));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ServerOptions(base.http(),
        List.of(), base.shutdownTimeout(), new AdminOptions(List.of(TestServer.KEY), List.of()), FunctionLoadOptions.defaults()));
    assertTrue(e.getMessage().contains("give the admin API its own"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new AdminOptions(List.of(""), List.of()));
  }

  @ParameterizedTest
  @CsvSource({"127.0.0.1, true", "127.1.2.3, true", "::1, true", "::ffff:127.0.0.1, true", "192.0.2.2, false",
      "10.0.0.1, false", "::ffff:10.0.0.1, false", "fe80::1, false", "2001:db8::1, false"})
  void loopbackIsDecidedByTheClientsAddress(String ip, boolean loopback) {
    assertEquals(loopback, AdminAccess.isLoopback(SocketAddress.inetSocketAddress(40000, ip)));
  }

  @Test
  void deployedModelPathsMustBeUnderAModelRoot(@TempDir Path tmp) throws Exception {
    Path root = Files.createDirectories(tmp.resolve("models"));
    Path outside = Files.createDirectories(tmp.resolve("elsewhere"));
    Files.createSymbolicLink(root.resolve("link"), outside);
    try (TestServer s = server("127.0.0.1", new AdminOptions(List.of(), List.of(root)))) {
      for (String path : List.of(outside.toString(), "/etc", root + "/../elsewhere", root + "/link", root + "/link/m",
          root.toString(), "relative/m")) {
        HttpResponse<String> r = s.send(s.post("/functions", "application/yaml",
            "name: x\nmodel: {path: \"" + path + "\"}\n"));
        assertEquals(400, r.statusCode(), path + ": " + r.body());
        assertEquals("model.path", TestServer.error(r).getString("param"));
        assertEquals("model.path must be under one of the server's model roots (--model-root)",
            TestServer.error(r).getString("message"));
      }
      HttpResponse<String> inside = s.send(s.post("/functions", "application/yaml",
          "name: inside\nmodel: {path: \"" + root.resolve("missing") + "\"}\n"));
      assertEquals(422, inside.statusCode(), inside.body());
      assertNotNull(TestServer.error(inside));
    }
  }
}
