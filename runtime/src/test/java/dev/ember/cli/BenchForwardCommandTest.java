package dev.ember.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code ember bench forward} against two loopback servers streaming known SSE replies: the "via" one
 * holds its first token back by a fixed delay (what forwarding would add), the "direct" one does not.
 */
class BenchForwardCommandTest {
  private static final long EXTRA_MS = 40;
  private static final long GAP_MS = 10;
  private static final int TOKENS = 3;

  private final Vertx vertx = Vertx.vertx();
  private final Queue<JsonObject> viaBodies = new ConcurrentLinkedQueue<>();
  private final Queue<JsonObject> directBodies = new ConcurrentLinkedQueue<>();
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();

  /** A stub chat server naming {@code replica} in X-Ember-Replica that waits {@code delayMs} before its first token. */
  private int server(String replica, long delayMs, Queue<JsonObject> bodies) throws Exception {
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create());
    router.post("/v1/chat/completions").handler(ctx -> {
      JsonObject body = ctx.body().asJsonObject();
      bodies.add(body);
      HttpServerResponse r = ctx.response().setChunked(true).putHeader("Content-Type", "text/event-stream")
          .putHeader(BenchServeCommand.REPLICA_HEADER, replica);
      int tokens = body.getInteger("max_tokens");
      if (delayMs > 0) {
        vertx.setTimer(delayMs, t -> stream(r, 0, tokens));
      } else {
        stream(r, 0, tokens);
      }
    });
    HttpServer s = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return s.actualPort();
  }

  private void stream(HttpServerResponse r, int i, int tokens) {
    if (i == tokens) {
      r.end("data: [DONE]\n\n");
      return;
    }
    r.write("data: " + new JsonObject().put("choices", List.of(new JsonObject().put("index", 0)
        .put("delta", new JsonObject().put("content", " t" + i)))).encode() + "\n\n");
    vertx.setTimer(GAP_MS, t -> stream(r, i + 1, tokens));
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private BenchForwardCommand.Result run(int viaPort, int directPort) throws Exception {
    BenchForwardCommand cmd = new BenchForwardCommand();
    new CommandLine(cmd).parseArgs("--via", "http://127.0.0.1:" + viaPort, "--direct", "http://127.0.0.1:" + directPort,
        "--model", "fn", "--pairs", "6", "--warmup", "2", "--gen", String.valueOf(TOKENS), "--prompt-words", "12");
    PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
    BenchForwardCommand.Result r = cmd.run(out);
    BenchForwardCommand.print(r, out);
    return r;
  }

  @Test
  void thePairedDifferenceIsWhatTheForwardingDoorAdds() throws Exception {
    BenchForwardCommand.Result r = run(server("b", EXTRA_MS, viaBodies), server("b", 0, directBodies));

    assertEquals(6, r.viaDoor().ttft.count());
    assertEquals(6, r.directDoor().ttft.count());
    double added = r.pairedTtftDifferenceMs();
    assertTrue(added >= EXTRA_MS - 5 && added < EXTRA_MS + 150, "added " + added + " ms");
    assertEquals(6 * (TOKENS - 1), r.viaDoor().itl.count());
    String printed = log.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains("forwarding adds"), printed);
    assertFalse(printed.contains("warning"), printed);
  }

  @Test
  void everyRequestCarriesTheOnePromptAndTheWarmUpIsUntimed() throws Exception {
    run(server("b", 0, viaBodies), server("b", 0, directBodies));

    // direct: one request that caches the prompt, two warm-up ones, six timed; via: two warm-up, six timed
    assertEquals(9, directBodies.size());
    assertEquals(8, viaBodies.size());
    String prompt = directBodies.peek().getJsonArray("messages").getJsonObject(0).getString("content");
    assertEquals(12, prompt.split(" ").length);
    for (JsonObject b : List.of(viaBodies, directBodies).stream().flatMap(Queue::stream).toList()) {
      assertEquals(prompt, b.getJsonArray("messages").getJsonObject(0).getString("content"));
      assertTrue(b.getBoolean("stream") && b.getBoolean("ignore_eos"), b.encode());
    }
    assertEquals(2, viaBodies.stream().filter(b -> b.getInteger("max_tokens") == 2).count(), "warm-up asks for 2 tokens");
  }

  @Test
  void doorsServedByDifferentReplicasAreFlagged() throws Exception {
    run(server("a", 0, viaBodies), server("b", 0, directBodies));

    String printed = log.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains("warning: the two doors' requests were served by different replicas"), printed);
  }
}
