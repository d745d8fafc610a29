package dev.ember.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.function.FunctionInstance;
import dev.ember.function.FunctionManifest;
import dev.ember.function.FunctionState;
import dev.ember.function.ServingMetrics;
import io.vertx.core.Vertx;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A streaming request for a COLD function is held while it warms, optionally with progress comments. */
class WarmupEventsTest {
  static final String BODY = "{\"model\":\"%s\",\"stream\":true,%s\"max_tokens\":3,\"ignore_eos\":true,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  static FunctionInstance cold(Vertx vertx, String name) {
    return new FunctionInstance(vertx, FunctionManifest.of(name, FunctionManifest.ModelSpec.EMBEDDED_DEMO, null),
        ServingMetrics.NOOP);
  }

  @Test
  void aHeldStreamReportsWarmUpProgressAsSseCommentsThenStreamsNormally() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      FunctionInstance coldFn = cold(vertx, "cold");
      try (DemoServer s = DemoServer.start(HttpOptions.defaults().withHost("127.0.0.1").withPort(0)
          .withApiKeys(List.of(DemoServer.KEY)), List.of(), coldFn)) {
        assertEquals(FunctionState.COLD, coldFn.state());
        HttpResponse<String> r = s.post("/v1/chat/completions",
            String.format(BODY, "cold", "\"ember_warmup_events\":true,"));
        assertEquals(200, r.statusCode());
        assertTrue(r.body().startsWith(": ember warm-up state="), r.body());
        assertTrue(r.body().contains("data: {"), r.body());
        assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
        assertEquals(FunctionState.WARM, coldFn.state());
      }
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void withoutTheFlagAHeldStreamHasNoComments() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      FunctionInstance coldFn = cold(vertx, "cold2");
      try (DemoServer s = DemoServer.start(HttpOptions.defaults().withHost("127.0.0.1").withPort(0)
          .withApiKeys(List.of(DemoServer.KEY)), List.of(), coldFn)) {
        HttpResponse<String> r = s.post("/v1/chat/completions", String.format(BODY, "cold2", ""));
        assertEquals(200, r.statusCode());
        assertFalse(r.body().contains(": ember warm-up"), r.body());
        assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
      }
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void theFlagWithoutStreamingIsA400NamingIt() throws Exception {
    try (DemoServer s = DemoServer.start()) {
      HttpResponse<String> r = s.post("/v1/chat/completions", "{\"model\":\"demo\",\"ember_warmup_events\":true,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertEquals(400, r.statusCode());
      assertTrue(r.body().contains("\"param\":\"ember_warmup_events\""), r.body());
    }
  }
}
