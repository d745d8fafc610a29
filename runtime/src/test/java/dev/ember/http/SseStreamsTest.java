package dev.ember.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.engine.EngineStats;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Server-sent-event streams under load, a reader that stops reading, and a client that leaves. */
class SseStreamsTest {
  static DemoServer server;

  @BeforeAll
  static void start() throws Exception {
    server = DemoServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  static String streamBody(int maxTokens) {
    return "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story\"}],\"stream\":true,"
        + "\"stream_options\":{\"include_usage\":true},\"ignore_eos\":true,\"max_tokens\":" + maxTokens + "}";
  }

  /** The JSON events of a complete SSE body, checking the framing and the final [DONE]. */
  static List<JsonObject> events(String body) {
    assertTrue(body.endsWith("data: [DONE]\n\n"), "ends with [DONE]: " + body.substring(Math.max(0, body.length() - 200)));
    String[] parts = body.substring(0, body.length() - "data: [DONE]\n\n".length()).split("\n\n");
    List<JsonObject> out = new ArrayList<>();
    for (String p : parts) {
      assertTrue(p.startsWith("data: "), p);
      out.add(new JsonObject(p.substring("data: ".length())));
    }
    return out;
  }

  /** Checks a one-choice chat stream: role first, one finish, usage last; returns its content chunks. */
  static int checkChatStream(List<JsonObject> events, int maxTokens) {
    int contentChunks = 0;
    int finishes = 0;
    for (int i = 0; i < events.size() - 1; i++) {
      JsonObject e = events.get(i);
      assertEquals("chat.completion.chunk", e.getString("object"));
      JsonObject choice = e.getJsonArray("choices").getJsonObject(0);
      if (i == 0) {
        assertEquals("assistant", choice.getJsonObject("delta").getString("role"));
      }
      if (!choice.getJsonObject("delta").getString("content", "").isEmpty()) {
        contentChunks++;
      }
      if (choice.getString("finish_reason") != null) {
        finishes++;
        assertEquals("length", choice.getString("finish_reason"));
      }
    }
    assertEquals(1, finishes);
    JsonObject usage = events.get(events.size() - 1);
    assertEquals(new JsonArray(), usage.getJsonArray("choices"));
    assertEquals(maxTokens, usage.getJsonObject("usage").getInteger("completion_tokens"));
    return contentChunks;
  }

  @Test
  void sixtyFourSimultaneousStreamsEachCompleteAndWellFormed() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      HttpRequest r = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/chat/completions"))
          .header("Authorization", "Bearer " + DemoServer.KEY).timeout(Duration.ofSeconds(120))
          .POST(HttpRequest.BodyPublishers.ofString(streamBody(16))).build();
      all.add(server.http.sendAsync(r, HttpResponse.BodyHandlers.ofString()));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(180, TimeUnit.SECONDS);
    for (CompletableFuture<HttpResponse<String>> f : all) {
      HttpResponse<String> r = f.get();
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("text/event-stream", r.headers().firstValue("Content-Type").orElseThrow());
      checkChatStream(events(r.body()), 16);
    }
  }

  @Test
  void aReaderThatStopsReadingNeitherBlocksOthersNorLosesOutput() throws Exception {
    int maxTokens = 1500;
    try (Socket slow = new Socket()) {
      slow.setReceiveBufferSize(2048);
      slow.connect(new InetSocketAddress("127.0.0.1", server.server.actualPort()), 10_000);
      sendRequest(slow, streamBody(maxTokens));
      HttpResponse<String> other = server.post("/v1/completions",
          "{\"model\":\"demo\",\"prompt\":\"hello\",\"max_tokens\":4,\"ignore_eos\":true}");
      assertEquals(200, other.statusCode(), "another client is served while the slow one is stalled");
      assertTrue(DemoServer.eventually(Duration.ofSeconds(120), () -> idle(server.stats())),
          "the engine finished the slow reader's request without waiting for it");
      String body = readChunkedBody(slow.getInputStream());
      int contentChunks = checkChatStream(events(body), maxTokens);
      assertTrue(contentChunks < maxTokens, "pending tokens were coalesced into fewer chunks: " + contentChunks);
    }
  }

  @Test
  void aClientLeavingMidStreamAbortsItsRequestAndFreesItsBlocks() throws Exception {
    EngineStats before = server.stats();
    int maxTokens = 1800;
    try (Socket client = new Socket("127.0.0.1", server.server.actualPort())) {
      sendRequest(client, streamBody(maxTokens));
      InputStream in = client.getInputStream();
      String seen = "";
      byte[] buf = new byte[256];
      while (!seen.contains("data: ")) {
        int n = in.read(buf);
        assertTrue(n > 0, "the stream started");
        seen += new String(buf, 0, n, StandardCharsets.UTF_8);
      }
    }
    assertTrue(DemoServer.eventually(Duration.ofSeconds(60),
        () -> idle(server.stats()) && server.stats().freeBlocks() == before.freeBlocks()),
        "no request running and every KV block back in the pool: " + server.stats());
    long generated = server.stats().generationTokens() - before.generationTokens();
    assertTrue(generated < maxTokens, "the request was cut short, generated " + generated);
  }

  static boolean idle(EngineStats s) {
    return s.running() == 0 && s.waiting() == 0;
  }

  static void sendRequest(Socket socket, String body) throws Exception {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + DemoServer.KEY
        + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + bytes.length + "\r\n\r\n";
    OutputStream out = socket.getOutputStream();
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(bytes);
    out.flush();
  }

  /** Reads a whole HTTP/1.1 response with chunked transfer encoding and returns its body. */
  static String readChunkedBody(InputStream in) throws Exception {
    byte[] all = in.readAllBytes();
    String raw = new String(all, StandardCharsets.ISO_8859_1);
    int at = raw.indexOf("\r\n\r\n") + 4;
    assertTrue(raw.startsWith("HTTP/1.1 200"), raw.substring(0, Math.min(200, raw.length())));
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      int eol = raw.indexOf("\r\n", at);
      int size = Integer.parseInt(raw.substring(at, eol).trim(), 16);
      if (size == 0) {
        break;
      }
      body.write(all, eol + 2, size);
      at = eol + 2 + size + 2;
    }
    return body.toString(StandardCharsets.UTF_8);
  }
}
