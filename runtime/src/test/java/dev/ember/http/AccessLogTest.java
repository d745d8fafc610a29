package dev.ember.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.ops.LogFields;
import dev.ember.ops.RequestLog;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every request gets a request id and one structured access-log line. */
class AccessLogTest {
  final List<LogRecord> records = new CopyOnWriteArrayList<>();
  final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      records.add(r);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeEach
  void listen() {
    Logger.getLogger(RequestLog.LOGGER).addHandler(capture);
  }

  @AfterEach
  void stop() {
    Logger.getLogger(RequestLog.LOGGER).removeHandler(capture);
  }

  static String field(LogRecord r, String key) {
    LogFields f = (LogFields) r.getParameters()[0];
    for (int i = 0; i < f.size(); i++) {
      if (f.key(i).equals(key)) {
        return String.valueOf(f.value(i));
      }
    }
    throw new AssertionError("no field " + key);
  }

  @Test
  void aCompletionIsLoggedWithItsIdFunctionStatusAndTokens() throws Exception {
    try (DemoServer s = DemoServer.start()) {
      HttpResponse<String> r = s.post("/v1/chat/completions", "{\"model\":\"demo\",\"max_tokens\":3,\"ignore_eos\":true,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertEquals(200, r.statusCode());
      String id = r.headers().firstValue("X-Request-Id").orElseThrow();
      assertTrue(id.startsWith("chatcmpl-"), id);
      assertTrue(DemoServer.eventually(java.time.Duration.ofSeconds(10), () -> !records.isEmpty()));
      LogRecord line = records.get(0);
      assertEquals(id, field(line, "request_id"));
      assertEquals("demo", field(line, "function"));
      assertEquals("200", field(line, "status"));
      assertEquals("3", field(line, "completion_tokens"));
    }
  }

  @Test
  void aRequestAbortedByItsClientIsLogged499WithItsPromptTokens() throws Exception {
    try (DemoServer s = DemoServer.start()) {
      String body = "{\"model\":\"demo\",\"stream\":true,\"max_tokens\":200,\"ignore_eos\":true,"
          + "\"prompt\":[1,2,3,4,5,6,7]}";
      try (RawHttp c = new RawHttp(s.server.actualPort(), 10_000)) {
        c.write("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + DemoServer.KEY
            + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        byte[] first = new byte[64];
        assertTrue(c.in.read(first) > 0, "no response started");
      }
      assertTrue(DemoServer.eventually(java.time.Duration.ofSeconds(10), () -> !records.isEmpty()));
      LogRecord line = records.get(0);
      assertEquals("499", field(line, "status"));
      assertEquals("7", field(line, "prompt_tokens"));
    }
  }

  @Test
  void aClientRequestIdIsKeptForOtherRoutes() throws Exception {
    try (DemoServer s = DemoServer.start()) {
      HttpResponse<String> r = s.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/v1/models"))
          .header("Authorization", "Bearer " + DemoServer.KEY).header("X-Request-Id", "trace-123").GET());
      assertEquals("trace-123", r.headers().firstValue("X-Request-Id").orElseThrow());
      assertTrue(DemoServer.eventually(java.time.Duration.ofSeconds(10), () -> !records.isEmpty()));
      assertEquals("trace-123", field(records.get(0), "request_id"));
      assertEquals("/v1/models", field(records.get(0), "route"));
    }
  }
}
