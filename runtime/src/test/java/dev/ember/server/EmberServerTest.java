package dev.ember.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.function.DemoFunction;
import dev.ember.kernels.EmberNative;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Graceful shutdown of a real server: in-flight requests finish, new ones get 503, the late ones end with an error. */
class EmberServerTest {
  static final String LONG_STREAM = "{\"model\":\"demo\",\"prompt\":\"Hello\",\"max_tokens\":1000,\"ignore_eos\":true,"
      + "\"stream\":true}";

  /** Starts a long streaming completion and returns its SSE lines once the first event arrived. */
  static Iterator<String> startStreaming(TestServer s) throws Exception {
    HttpResponse<Stream<String>> r = s.client().send(s.post("/v1/completions", "application/json", LONG_STREAM),
        HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, r.statusCode());
    Iterator<String> lines = r.body().iterator();
    assertTrue(lines.next().startsWith("data: {"), "first event received");
    return lines;
  }

  static List<String> rest(Iterator<String> lines) {
    List<String> out = new java.util.ArrayList<>();
    lines.forEachRemaining(l -> {
      if (l.startsWith("data: ")) {
        out.add(l.substring(6));
      }
    });
    return out;
  }

  @Test
  void anInFlightRequestCompletesWhileANewOneGets503() throws Exception {
    long before = EmberNative.ember_allocated_bytes();
    TestServer s = TestServer.start(List.of(DemoFunction.manifest()), Duration.ofSeconds(30));
    Iterator<String> lines = startStreaming(s);
    Future<Void> stopped = s.server().shutdown(Duration.ofSeconds(30));
    HttpResponse<String> late = s.send(s.post("/v1/completions", "application/json",
        "{\"model\":\"demo\",\"prompt\":\"Hi\",\"max_tokens\":2}"));
    assertEquals(503, late.statusCode());
    assertEquals("shutting_down", TestServer.error(late).getString("code"));
    List<String> events = rest(lines);
    assertEquals("[DONE]", events.get(events.size() - 1));
    JsonObject last = new JsonObject(events.get(events.size() - 2));
    assertEquals("length", last.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    stopped.await(60, TimeUnit.SECONDS);
    assertEquals(before, EmberNative.ember_allocated_bytes());
  }

  @Test
  void requestsPastTheDeadlineEndWithAnError() throws Exception {
    long before = EmberNative.ember_allocated_bytes();
    TestServer s = TestServer.start(List.of(DemoFunction.manifest()), Duration.ofSeconds(30));
    Iterator<String> lines = startStreaming(s);
    Future<Void> stopped = s.server().shutdown(Duration.ZERO);
    List<String> events = rest(lines);
    assertTrue(events.stream().anyMatch(e -> e.startsWith("{\"error\"")), "an error event ends the stream: "
        + events.subList(Math.max(0, events.size() - 2), events.size()));
    assertTrue(events.stream().noneMatch(e -> e.contains("\"finish_reason\":\"length\"")), "it did not run to its end");
    stopped.await(60, TimeUnit.SECONDS);
    assertEquals(before, EmberNative.ember_allocated_bytes());
  }

  @Test
  void shutdownTwiceIsOneShutdown() throws Exception {
    TestServer s = TestServer.start(List.of(), Duration.ofSeconds(1));
    Future<Void> first = s.server().shutdown(Duration.ofSeconds(1));
    assertTrue(first == s.server().shutdown(Duration.ofSeconds(1)));
    first.await(30, TimeUnit.SECONDS);
  }
}
