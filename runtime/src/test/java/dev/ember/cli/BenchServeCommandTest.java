package dev.ember.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code ember bench serve} against a tiny Vert.x server on loopback that streams a known SSE response. */
class BenchServeCommandTest {
  private static final long GAP_MS = 20;
  private static final List<String> TOKENS = List.of("alpha", " beta", " gamma");

  private final Vertx vertx = Vertx.vertx();
  private final Queue<JsonObject> bodies = new ConcurrentLinkedQueue<>();
  private final Queue<String> authorizations = new ConcurrentLinkedQueue<>();
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();
  private int port;
  private int status = 200;

  @BeforeEach
  void start() throws Exception {
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create());
    router.post("/tokenize").handler(ctx -> {
      int words = ctx.body().asJsonObject().getString("prompt").split(" ").length;
      ctx.json(new JsonObject().put("count", 2 * words));
    });
    router.post("/v1/chat/completions").handler(ctx -> {
      bodies.add(ctx.body().asJsonObject());
      authorizations.add(String.valueOf(ctx.request().getHeader("Authorization")));
      if (status != 200) {
        ctx.response().setStatusCode(status).end("{\"error\":{\"message\":\"busy\"}}");
        return;
      }
      HttpServerResponse r = ctx.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
      stream(r, 0);
    });
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .await(10, TimeUnit.SECONDS);
    port = server.actualPort();
  }

  /** Writes token i, then the next one GAP_MS later; after the last, usage and [DONE]. */
  private void stream(HttpServerResponse r, int i) {
    if (i == TOKENS.size()) {
      r.write(event(new JsonObject().put("choices", List.of())
          .put("usage", new JsonObject().put("prompt_tokens", 5).put("completion_tokens", TOKENS.size()))));
      r.end("data: [DONE]\n\n");
      return;
    }
    r.write(event(new JsonObject().put("choices",
        List.of(new JsonObject().put("index", 0).put("delta", new JsonObject().put("content", TOKENS.get(i)))))));
    vertx.setTimer(GAP_MS, t -> stream(r, i + 1));
  }

  private static String event(JsonObject o) {
    return "data: " + o.encode() + "\n\n";
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private ServingReport run(String... extra) throws InterruptedException {
    BenchServeCommand cmd = new BenchServeCommand();
    String[] base = {"--url", "http://127.0.0.1:" + port, "--model", "fn", "--requests", "4", "--concurrency", "2",
        "--prompt-len", "40", "--gen", "3"};
    String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.Arrays.stream(extra))
        .toArray(String[]::new);
    new CommandLine(cmd).parseArgs(args);
    return cmd.run(new PrintStream(log, true, StandardCharsets.UTF_8));
  }

  @Test
  void countsCompletedRequestsAndOutputTokensFromUsage() throws Exception {
    ServingReport r = run();

    assertEquals(4, r.completed());
    assertEquals(0, r.failed());
    assertEquals(12, r.outputTokens());
    assertTrue(r.outputTokensPerSecond() > 0);
    assertTrue(r.requestsPerSecond() > 0);
  }

  @Test
  void interTokenLatencyIsEveryGapBetweenTextChunks() throws Exception {
    ServingReport r = run();

    // one gap per pair of consecutive text chunks of every request; their size depends on scheduling
    // (two chunks read together give a short gap), so only their presence and sign are asserted
    assertEquals(4 * (TOKENS.size() - 1), r.itl.count());
    assertTrue(r.itl.percentileMs(50) > 0, "ITL p50 " + r.itl.percentileMs(50));
    assertTrue(r.tpot.percentileMs(50) > 0, "TPOT p50 " + r.tpot.percentileMs(50));
  }

  @Test
  void endToEndCoversTheWholeStreamAndExceedsTimeToFirstToken() throws Exception {
    ServingReport r = run();

    assertTrue(r.e2e.percentileMs(50) >= (TOKENS.size() - 1) * GAP_MS, "E2E p50 " + r.e2e.percentileMs(50));
    assertTrue(r.ttft.percentileMs(99) < r.e2e.percentileMs(50));
  }

  @Test
  void sendsStreamingRequestsThatIgnoreEos() throws Exception {
    run("--api-key", "secret");

    JsonObject body = bodies.peek();
    assertEquals("fn", body.getString("model"));
    assertEquals(true, body.getBoolean("stream"));
    assertEquals(true, body.getBoolean("ignore_eos"));
    assertEquals(3, body.getInteger("max_tokens"));
    assertEquals(0.0, body.getDouble("temperature"), "greedy, so the load does not depend on sampling");
    assertTrue(authorizations.stream().allMatch("Bearer secret"::equals), authorizations.toString());
  }

  @Test
  void promptLengthIsCalibratedWithTokenize() throws Exception {
    run();

    String prompt = bodies.peek().getJsonArray("messages").getJsonObject(0).getString("content");
    assertEquals(20, prompt.split(" ").length, "two tokens per word, 40 tokens wanted");
  }

  @Test
  void errorResponsesCountAsFailures() throws Exception {
    status = 429;

    ServingReport r = run();

    assertEquals(0, r.completed());
    assertEquals(4, r.failed());
    assertTrue(log.toString(StandardCharsets.UTF_8).contains("HTTP 429"), log.toString(StandardCharsets.UTF_8));
  }
}
