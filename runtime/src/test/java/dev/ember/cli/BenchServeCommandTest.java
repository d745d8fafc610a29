package dev.ember.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ember bench serve} against a tiny Vert.x server on loopback that streams a known SSE response. */
class BenchServeCommandTest {
  private static final long GAP_MS = 20;
  private static final List<String> TOKENS = List.of("alpha", " beta", " gamma");

  private final Vertx vertx = Vertx.vertx();
  private final Queue<JsonObject> bodies = new ConcurrentLinkedQueue<>();
  private final Queue<String> authorizations = new ConcurrentLinkedQueue<>();
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();
  private final AtomicInteger served = new AtomicInteger();
  private int port;
  private int status = 200;

  @BeforeEach
  void start() throws Exception {
    port = startServer("a");
  }

  /**
   * A stub OpenAI server answering with {@code X-Ember-Replica: replica} and a {@code /metrics} whose prefix
   * cache counters grow by 10 queries and 4 hits per completed request (served by any stub).
   */
  private int startServer(String replica) throws Exception {
    Router router = Router.router(vertx);
    router.get("/metrics").handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain").end(
        "# TYPE vllm:prefix_cache_queries counter\n"
            + "vllm:prefix_cache_queries_total{model_name=\"fn\"} " + 10.0 * served.get() + "\n"
            + "vllm:prefix_cache_queries_total{model_name=\"other\"} 1000.0\n"
            + "# TYPE vllm:prefix_cache_hits counter\n"
            + "vllm:prefix_cache_hits_total{model_name=\"fn\"} " + 4.0 * served.get() + "\n"
            + "vllm:prefix_cache_hits_total{model_name=\"other\"} 1000.0\n"));
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
      HttpServerResponse r = ctx.response().setChunked(true).putHeader("Content-Type", "text/event-stream")
          .putHeader(BenchServeCommand.REPLICA_HEADER, replica);
      stream(r, 0);
    });
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .await(10, TimeUnit.SECONDS);
    return server.actualPort();
  }

  /** Writes token i, then the next one GAP_MS later; after the last, usage and [DONE]. */
  private void stream(HttpServerResponse r, int i) {
    if (i == TOKENS.size()) {
      r.write(event(new JsonObject().put("choices", List.of())
          .put("usage", new JsonObject().put("prompt_tokens", 5).put("completion_tokens", TOKENS.size())
              .put("prompt_tokens_details", new JsonObject().put("cached_tokens", 3)))));
      served.incrementAndGet();
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
    List<String> args = new java.util.ArrayList<>();
    List<String> given = List.of(extra);
    for (int i = 0; i < base.length; i += 2) {
      if (!given.contains(base[i])) { // an option given in extra replaces the base one
        args.addAll(List.of(base[i], base[i + 1]));
      }
    }
    args.addAll(given);
    new CommandLine(cmd).parseArgs(args.toArray(String[]::new));
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
    String out = log.toString(StandardCharsets.UTF_8);
    assertEquals(0, r.failed(), out);
    assertEquals(4 * (TOKENS.size() - 1), r.itl.count(), out);
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

  private static String user(JsonObject body) {
    JsonArray messages = body.getJsonArray("messages");
    return messages.getJsonObject(messages.size() - 1).getString("content");
  }

  @Test
  void prefixWorkloadPromptsShareExactlyTheConfiguredPrefixes() throws Exception {
    run("--requests", "24", "--prefixes", "3", "--prefix-len", "30");

    PrefixWorkload draw = new PrefixWorkload();
    draw.prefixes = 3;
    Set<String> suffixes = new HashSet<>();
    Set<String> systems = new HashSet<>();
    for (JsonObject body : bodies) {
      JsonArray messages = body.getJsonArray("messages");
      assertEquals(2, messages.size(), body.encode());
      JsonObject system = messages.getJsonObject(0);
      assertEquals("system", system.getString("role"));
      String suffix = user(body);
      int i = Integer.parseInt(suffix.substring("request ".length(), suffix.indexOf(':')));
      // two tokens per word: 30 prefix tokens are 15 words; the prefix is the one request i draws
      assertEquals(PrefixWorkload.prefix(17, draw.draw(17, i), 15), system.getString("content"));
      assertEquals(15, system.getString("content").split(" ").length);
      systems.add(system.getString("content"));
      assertTrue(suffixes.add(suffix), "suffixes are unique: " + suffix);
    }
    assertEquals(24, suffixes.size());
    assertEquals(3, systems.size(), "24 Zipf draws over 3 prefixes use all of them with seed 17");
  }

  @Test
  void saveRequestsWritesOneLinePerRequestWithItsTimingReplicaAndCachedTokens(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("requests.jsonl");
    ServingReport r = run("--requests", "6", "--prefixes", "2", "--save-requests", file.toString());

    List<String> lines = Files.readAllLines(file);
    assertEquals(6, lines.size());
    PrefixWorkload draw = new PrefixWorkload();
    draw.prefixes = 2;
    Set<Integer> seen = new HashSet<>();
    for (String line : lines) {
      JsonObject o = new JsonObject(line);
      assertTrue(seen.add(o.getInteger("request")), line);
      assertEquals("a", o.getString("replica"));
      assertEquals("http://127.0.0.1:" + port, o.getString("url"));
      assertEquals(draw.draw(17, o.getInteger("request")), o.getInteger("prefix"), line);
      assertEquals(5, o.getInteger("prompt_tokens"));
      assertEquals(3, o.getInteger("cached_tokens"));
      assertEquals(3, o.getInteger("output_tokens"));
      // three tokens GAP_MS apart: the end comes at least two gaps after the first token
      assertTrue(o.getDouble("e2e_ms") >= o.getDouble("ttft_ms") + 2 * GAP_MS - 1, line);
      assertTrue(o.getDouble("start_ms") >= 0, line);
    }
    assertEquals(Set.of(0, 1, 2, 3, 4, 5), seen);
    assertEquals(6, r.completed());
  }

  @Test
  void saveRequestsRecordsEachFailedRequestsError(@TempDir Path dir) throws Exception {
    status = 503;
    Path file = dir.resolve("requests.jsonl");
    run("--save-requests", file.toString());

    List<String> lines = Files.readAllLines(file);
    assertEquals(4, lines.size());
    for (String line : lines) {
      JsonObject o = new JsonObject(line);
      assertTrue(o.getString("error").contains("HTTP 503"), line);
      assertTrue(!o.containsKey("ttft_ms"), line);
    }
  }

  @Test
  void zipfDrawIsDeterministicAndFavoursTheFirstPrefixes() {
    PrefixWorkload w = new PrefixWorkload();
    w.prefixes = 4;
    int[] counts = new int[4];
    for (int i = 0; i < 20_000; i++) {
      int k = w.draw(17, i);
      assertEquals(k, w.draw(17, i), "the same seed and index draw the same prefix");
      counts[k]++;
    }
    // weights 1, 1/2, 1/3, 1/4 of 25/12: expected 9600, 4800, 3200, 2400
    assertEquals(9600, counts[0], 400);
    assertEquals(4800, counts[1], 300);
    assertEquals(3200, counts[2], 300);
    assertEquals(2400, counts[3], 300);
    int differing = 0;
    for (int i = 0; i < 100; i++) {
      differing += w.draw(17, i) != w.draw(18, i) ? 1 : 0;
    }
    assertNotEquals(0, differing, "another seed draws another sequence");
  }

  @Test
  void withoutPrefixesThereIsNoSystemMessage() throws Exception {
    run();

    assertTrue(bodies.stream().allMatch(b -> b.getJsonArray("messages").size() == 1));
  }

  @Test
  void prefixHitRateComesFromMetricsOfEveryUrlBeforeAndAfter() throws Exception {
    served.set(7); // counters that predate the run are not the run's
    int second = startServer("b");

    ServingReport r = run("--url", "http://127.0.0.1:" + port + ",http://127.0.0.1:" + second, "--prefixes", "2");

    // each stub reports the shared totals, so the two URLs together count 20 queries and 8 hits per request
    assertEquals(0.4, r.prefixHitRate, 1e-9);
    assertEquals(4, r.completed());
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    r.print(new PrintStream(printed, true, StandardCharsets.UTF_8));
    assertTrue(printed.toString(StandardCharsets.UTF_8).contains("prefix cache hit rate 40.0%"), printed.toString());
  }

  @Test
  void perReplicaTallyCountsTheReplicaHeaderNotTheUrl() throws Exception {
    int forwarding = startServer("a"); // a replica that forwarded every request to replica a
    int other = startServer("c");

    ServingReport r = run("--requests", "6", "--url", "http://127.0.0.1:" + port, "--url",
        "http://127.0.0.1:" + forwarding, "--url", "http://127.0.0.1:" + other);

    assertEquals(Map.of("a", 4, "c", 2), r.perReplica());
    assertEquals(2.0, r.maxShareOverMean(), 1e-9, "4 requests against a mean of 2 over 3 replicas");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    r.print(new PrintStream(printed, true, StandardCharsets.UTF_8));
    String text = printed.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("requests per replica: a=4 c=2"), text);
    assertTrue(text.contains("max replica share 2.00x the mean"), text);
  }
}
