package dev.ember.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.kernels.EmberNative;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Malformed HTTP requests against a real server with the demo function, from a fixed seed (a failure
 * names its case number; rerun with the same seed to reproduce): mutated JSON bodies, wrong types,
 * extreme numbers, invalid UTF-8, truncated and short bodies, broken headers and request lines. No
 * answer may be a 5xx other than 503/507 with a reason; afterwards valid requests still succeed, the
 * engine is idle with every KV block free, Ember's native allocator holds what it held before, and
 * resident memory is back near where it started.
 */
class HttpFuzzTest {
  static final long SEED = 20261206L;
  static final int CASES = 400;
  static final Duration BUDGET = Duration.ofSeconds(25);

  record Outcome(int status, String body) {}

  @Test
  void malformedRequestsNeverGetA5xxAndTheServerKeepsServing() throws Exception {
    ConnectionOptions quick = new ConnectionOptions(Duration.ofSeconds(2), Duration.ofSeconds(2),
        Duration.ofMillis(300), 4096, false);
    try (DemoServer s = DemoServer.start(HttpOptions.defaults().withHost("127.0.0.1").withPort(0)
        .withApiKeys(List.of(DemoServer.KEY)).withConnections(quick), List.of())) {
      for (MalformedRequests.Kind kind : MalformedRequests.Kind.values()) {
        assertValidRequestSucceeds(s, kind);
      }
      long rssBefore = ProcessMemory.available() ? ProcessMemory.rssAnonBytes() : 0;
      long nativeBefore = EmberNative.ember_allocated_bytes();
      int freeBlocksBefore = s.stats().freeBlocks();

      Random random = new Random(SEED);
      Map<Integer, Integer> statuses = new TreeMap<>();
      List<String> failures = new ArrayList<>();
      long deadline = System.nanoTime() + BUDGET.toNanos();
      int sent = 0;
      for (int i = 0; i < CASES && System.nanoTime() < deadline; i++, sent++) {
        byte[] request = nextCase(random);
        Outcome o = send(s, request);
        statuses.merge(o.status(), 1, Integer::sum);
        String problem = unknownHttpVersion(request) && o.status() == 501 ? null : problem(o);
        if (problem != null) {
          failures.add("case " + i + " (seed " + SEED + "): " + problem + "\n  request: "
              + new String(request, 0, Math.min(request.length, 400), StandardCharsets.ISO_8859_1));
        }
      }
      System.out.println("fuzz: " + sent + " cases, statuses " + statuses + " (-1: closed without a response)");
      assertTrue(failures.isEmpty(), failures.size() + " bad answers:\n" + String.join("\n", failures));
      assertTrue(sent >= 100, "only " + sent + " cases ran within the budget");

      for (MalformedRequests.Kind kind : MalformedRequests.Kind.values()) {
        assertValidRequestSucceeds(s, kind);
      }
      assertTrue(DemoServer.eventually(Duration.ofSeconds(30), () -> s.stats().running() == 0
          && s.stats().waiting() == 0 && s.stats().freeBlocks() == freeBlocksBefore),
          "engine not idle with all KV blocks free: " + s.stats());
      assertTrue(DemoServer.eventually(Duration.ofSeconds(10), () -> s.server.inFlightRequests() == 0),
          "requests still in flight: " + s.server.inFlightRequests());
      assertEquals(nativeBefore, EmberNative.ember_allocated_bytes(), "bytes held by Ember's native allocator");
      if (ProcessMemory.available()) {
        long growth = ProcessMemory.rssAnonBytes() - rssBefore;
        assertTrue(growth < 150L << 20, "RssAnon grew by " + ProcessMemory.mib(growth));
      }
    }
  }

  static void assertValidRequestSucceeds(DemoServer s, MalformedRequests.Kind kind) throws Exception {
    var r = s.post(kind.path, MalformedRequests.validBody(kind));
    assertEquals(200, r.statusCode(), kind + ": " + r.body());
  }

  /**
   * A request line naming an HTTP version other than 1.0/1.1: Vert.x core answers it 501 and closes
   * before any handler of Ember's runs (the one 5xx no server code can change; the version is not HTTP/1).
   */
  static boolean unknownHttpVersion(byte[] request) {
    String head = new String(request, 0, Math.min(request.length, 12_000), StandardCharsets.ISO_8859_1);
    int eol = head.indexOf("\r\n");
    String line = eol < 0 ? head : head.substring(0, eol);
    return line.matches("\\S+ \\S+ HTTP/\\d\\.\\d") && !line.endsWith("HTTP/1.1") && !line.endsWith("HTTP/1.0");
  }

  /** Why an answer is not acceptable, or null. */
  static String problem(Outcome o) {
    if (o.status() >= 500) {
      if (o.status() != 503 && o.status() != 507) {
        return "status " + o.status() + ": " + o.body();
      }
      try {
        String message = new JsonObject(o.body()).getJsonObject("error").getString("message");
        if (message == null || message.isBlank()) {
          return "status " + o.status() + " without a reason: " + o.body();
        }
      } catch (RuntimeException e) {
        return "status " + o.status() + " without an OpenAI error body: " + o.body();
      }
    }
    if (o.body().contains("\"server_error\"") || o.body().contains("internal_error")) {
      return "a server error inside a " + o.status() + " answer: " + o.body();
    }
    return null;
  }

  static Outcome send(DemoServer s, byte[] request) throws IOException {
    try (RawHttp c = new RawHttp(s.server.actualPort(), 30_000)) {
      try {
        c.write(request);
      } catch (IOException closedEarly) {
        // the server may refuse before the whole request is written; read what it answered
      }
      try {
        RawHttp.Response r = c.readResponse();
        return new Outcome(r.status(), r.body());
      } catch (IOException closed) {
        return new Outcome(-1, "");
      }
    }
  }

  static byte[] nextCase(Random random) {
    MalformedRequests.Kind kind = MalformedRequests.Kind.values()[random.nextInt(MalformedRequests.Kind.values().length)];
    int pick = random.nextInt(100);
    if (pick < 70) {
      return request("POST", kind.path, standardHeaders(), MalformedRequests.mutated(kind, random), null);
    }
    byte[] valid = MalformedRequests.validBody(kind).getBytes(StandardCharsets.UTF_8);
    if (pick < 75) {
      // a body shorter than its Content-Length: 408 once the body-read timeout passes
      return request("POST", kind.path, standardHeaders(), java.util.Arrays.copyOf(valid, valid.length / 2),
          Integer.toString(valid.length));
    }
    if (pick < 80) {
      String method = new String[] {"GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "FOO"}[random.nextInt(7)];
      return request(method, kind.path, standardHeaders(), method.equals("GET") || method.equals("HEAD")
          ? new byte[0] : valid, null);
    }
    return badHead(random, kind, valid);
  }

  static String standardHeaders() {
    return "Host: localhost\r\nAuthorization: Bearer " + DemoServer.KEY + "\r\nContent-Type: application/json\r\n";
  }

  static byte[] request(String method, String path, String headers, byte[] body, String contentLength) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String head = method + " " + path + " HTTP/1.1\r\n" + headers + "Connection: close\r\nContent-Length: "
        + (contentLength != null ? contentLength : Integer.toString(body.length)) + "\r\n\r\n";
    out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(body);
    return out.toByteArray();
  }

  static byte[] badHead(Random random, MalformedRequests.Kind kind, byte[] valid) {
    String std = standardHeaders();
    String body = new String(valid, StandardCharsets.ISO_8859_1);
    String path = kind.path;
    String[] heads = {
        "POST " + path + " HTTP/1.1\r\n" + std + "Content-Length: abc\r\nConnection: close\r\n\r\n" + body,
        "POST " + path + " HTTP/1.1\r\n" + std + "Content-Length: -5\r\nConnection: close\r\n\r\n" + body,
        "POST " + path + " HTTP/1.1\r\n" + std + "Content-Length: 99999999999999999999\r\nConnection: close\r\n\r\n" + body,
        "POST " + path + " HTTP/1.1\r\n" + std + "Content-Length: 3\r\nContent-Length: 7\r\nConnection: close\r\n\r\n" + body,
        "POST " + path + " HTTP/1.1\r\n" + std + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n" + body,
        "POST " + path + " HTTP/1.1\r\n" + std + "NoColonHere\r\nConnection: close\r\nContent-Length: " + valid.length
            + "\r\n\r\n" + body,
        "POST " + path + " HTTP/1.1\r\n" + std + "X-Bad: \u0000\u00ff\u0001\r\nConnection: close\r\nContent-Length: "
            + valid.length + "\r\n\r\n" + body,
        "POST " + path + " HTTP/1.1\r\n" + std + "X-Huge: " + "h".repeat(20_000) + "\r\nConnection: close\r\n"
            + "Content-Length: " + valid.length + "\r\n\r\n" + body,
        "GARBAGE\r\n\r\n",
        "POST " + path + " HTTP/9.9\r\n" + std + "Connection: close\r\nContent-Length: " + valid.length + "\r\n\r\n" + body,
        "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \t\r\nConnection: close\r\n"
            + "Content-Length: " + valid.length + "\r\n\r\n" + body,
        "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + DemoServer.KEY + "\r\n"
            + "Content-Type: text/plain; charset=utf-16\r\nConnection: close\r\nContent-Length: " + valid.length
            + "\r\n\r\n" + body,
        "POST " + path + "%00/../x?" + "q".repeat(9000) + " HTTP/1.1\r\n" + std + "Connection: close\r\n"
            + "Content-Length: " + valid.length + "\r\n\r\n" + body,
        "POST http://elsewhere" + path + " HTTP/1.1\r\n" + std + "Connection: close\r\nContent-Length: "
            + valid.length + "\r\n\r\n" + body,
        "POST " + path + " HTTP/1.1\r\n" + std + "Expect: 100-continue\r\nConnection: close\r\nContent-Length: "
            + valid.length + "\r\n\r\n" + body,
        "POST " + path + " HTTP/1.1\r\n" + std + "Content-Encoding: gzip\r\nConnection: close\r\nContent-Length: "
            + valid.length + "\r\n\r\n" + body};
    return heads[random.nextInt(heads.length)].getBytes(StandardCharsets.ISO_8859_1);
  }
}
