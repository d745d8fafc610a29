package dev.ember.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.server.ServerOptions;
import dev.ember.server.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The API key check reads {@code Authorization} the same way over HTTP/1.1 and HTTP/2 (h2c with prior
 * knowledge, where header values arrive exactly as sent), and an empty key can never be configured.
 */
class ApiKeyHeadersTest {
  static TestServer server;
  static Vertx vertx;

  @BeforeAll
  static void start() throws Exception {
    ServerOptions o = TestServer.options(List.of(), Duration.ofSeconds(5));
    ConnectionOptions c = ConnectionOptions.defaults();
    // h2c is off by default; this test is about reading headers alike on both protocols, so turn it on.
    server = TestServer.start(new ServerOptions(o.http().withConnections(new ConnectionOptions(c.idleTimeout(),
        c.headerReadTimeout(), c.bodyReadTimeout(), c.maxConnectionsPerClient(), true)), o.functions(),
        o.shutdownTimeout(), o.admin(), o.load()));
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
    server.close();
  }

  /** GET /v1/models over HTTP/1.1 with the header written byte for byte; returns "status HTTP_1_1". */
  static String http1(String authorization) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + authorization
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      String status = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1).split("\r\n")[0];
      assertTrue(status.startsWith("HTTP/1.1 "), status);
      return status.split(" ")[1] + " HTTP_1_1";
    }
  }

  /** GET /v1/models over h2c (prior knowledge: the value arrives exactly as sent); returns "status HTTP_2". */
  static String h2c(String authorization) throws Exception {
    // A connection of its own per case, like the HTTP/1.1 cases: no case depends on the one before.
    HttpClientAgent h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
    try {
      return h2.request(HttpMethod.GET, server.port(), "127.0.0.1", "/v1/models")
          .compose(req -> {
            req.putHeader("Authorization", authorization);
            return req.send();
          })
          .compose(resp -> resp.body().map(b -> resp.statusCode() + " " + resp.version()))
          .await(30, TimeUnit.SECONDS);
    } finally {
      h2.close().await(10, TimeUnit.SECONDS);
    }
  }

  @ParameterizedTest(name = "[{index}] ''{0}'' -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "Bearer test-key | 200",
      "bearer test-key | 200",
      "BEARER test-key | 200",
      "Bearer\ttest-key | 200",
      "\"Bearer \ttest-key\t\" | 200",
      "\"\tBearer test-key\" | 200",
      "\" Bearer test-key \" | 200",
      "\"Bearer \t\" | 401",
      "\"Bearer  \" | 401",
      "Bearer | 401",
      "Bearertest-key | 401",
      "Basic test-key | 401",
      "Bearer test-key2 | 401",
      "Bearer test-ke | 401",
      "\"Bearer test key\" | 401"})
  void headersAreReadAlikeOverHttp1AndH2c(String authorization, int status) throws Exception {
    assertEquals(status + " HTTP_1_1", http1(authorization), "HTTP/1.1");
    assertEquals(status + " HTTP_2", h2c(authorization), "HTTP/2 (h2c)");
  }

  @Test
  void anEmptyOrBlankKeyCannotBeConfigured() {
    for (List<String> keys : List.of(List.of(""), List.of("\t"), List.of("ok", " "), List.of(" padded "))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> HttpOptions.defaults().withApiKeys(keys), keys.toString());
      assertTrue(e.getMessage().startsWith("API key #"), e.getMessage());
    }
  }
}
