package dev.ember.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.ember.kafka.KafkaBrokerProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Replicas in separate JVMs ({@code ember serve --cluster} on loopback, the demo function) route each
 * request to the replica that caches its prefix, over real HTTP and through a real Kafka broker. One
 * cluster of three (a, b, c, each also serving the shared Kafka request topic) serves every test;
 * later tests add late joiners, kill b, and add a replica where the function is COLD.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterRoutingTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private static Path home;
  private static final List<ReplicaProcess> replicas = new ArrayList<>();
  private static List<String> members;
  private static ReplicaProcess a;
  private static ReplicaProcess b;
  private static ReplicaProcess c;
  private static KafkaBrokerProcess broker;
  private static final String REQUESTS = "ember.demo.requests";
  private static final String REPLIES = "cluster.replies";
  /** A prompt prefix no replica has seen (about 40 KV blocks of the demo tokenizer). */
  private static final String PREFIX = IntStream.range(0, 120).mapToObj(i -> "w" + UUID.randomUUID().toString()
      .substring(0, 4) + i).collect(Collectors.joining(" "));

  @BeforeAll
  static void startCluster() throws Exception {
    home = Files.createTempDirectory("ember-cluster-");
    broker = KafkaBrokerProcess.start();
    broker.createTopic(REQUESTS, 3);
    broker.createTopic(REPLIES, 1);
    int[] ports = {ReplicaProcess.freePort(), ReplicaProcess.freePort(), ReplicaProcess.freePort()};
    members = List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1], "127.0.0.1:" + ports[2]);
    a = start("a", ports[0], "--kafka-bootstrap", broker.bootstrap());
    b = start("b", ports[1], "--kafka-bootstrap", broker.bootstrap());
    c = start("c", ports[2], "--kafka-bootstrap", broker.bootstrap());
    awaitTrue(() -> clusterDoc(a).getJsonObject("functions").getJsonArray("demo", new JsonArray()).size() == 3,
        "a sees three demo replicas");
  }

  private static ReplicaProcess start(String name, int port, String... extra) throws Exception {
    ReplicaProcess r = ReplicaProcess.start(home, name, port, members, extra);
    replicas.add(r);
    return r;
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (ReplicaProcess r : replicas) {
      r.close();
    }
    if (broker != null) {
      broker.close();
    }
    try (Stream<Path> files = Files.walk(home)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  @Order(1)
  void aPrefixServedOnBIsRoutedToBFromAAndCWithCachedTokens() throws Exception {
    Answer first = complete(b, PREFIX + " first", false, 4);
    assertEquals("b", first.replica());
    assertEquals(0, first.cachedTokens());
    int blocks = first.promptTokens() / 16;
    awaitTrue(() -> indexBlocks(a, "b") >= blocks && indexBlocks(c, "b") >= blocks, "a and c index b's blocks");

    for (ReplicaProcess entry : List.of(a, c)) {
      Answer routed = complete(entry, PREFIX + " from " + entry.name(), false, 4);
      assertEquals("b", routed.replica(), "served by the replica caching the prefix");
      assertTrue(routed.cachedTokens() >= (blocks - 1) * 16, "cached_tokens " + routed.cachedTokens());
    }
    String metrics = get(a, "/metrics");
    assertTrue(metrics.contains("ember_router_decisions_total{function=\"demo\",outcome=\"forwarded\"}"), metrics);
  }

  @Test
  @Order(2)
  void aForwardedStreamIsTheSameAsALocalOne() throws Exception {
    complete(b, PREFIX + " same", true, 8);
    Answer local = complete(b, PREFIX + " same", true, 8);
    Answer forwarded = complete(a, PREFIX + " same", true, 8);
    assertEquals("b", forwarded.replica());
    assertEquals(normalized(local.body()), normalized(forwarded.body()));
  }

  @Test
  @Order(3)
  void aReplicaJoiningLateRoutesThePrefixToBAtOnce() throws Exception {
    ReplicaProcess d = start("d", ReplicaProcess.freePort());
    Answer routed = complete(d, PREFIX + " late", false, 4);
    assertEquals("b", routed.replica());
    assertTrue(routed.cachedTokens() > 0);
  }

  @Test
  @Order(5)
  void roundRobinSpreadsThePrefixRegardlessOfTheCache() throws Exception {
    ReplicaProcess e = start("e", ReplicaProcess.freePort(), "--routing", "round-robin");
    Set<String> servedBy = new HashSet<>();
    int cachedElsewhere = 0;
    for (int i = 0; i < 4; i++) {
      Answer r = complete(e, PREFIX + " rr " + i, false, 2);
      servedBy.add(r.replica());
      if (!r.replica().equals("b")) {
        cachedElsewhere += r.cachedTokens();
      }
    }
    assertTrue(servedBy.size() >= 3, "round-robin used " + servedBy);
    assertTrue(servedBy.stream().anyMatch(n -> !n.equals("b")));
    assertEquals(0, cachedElsewhere, "replicas other than b had no cached prefix");
  }

  @Test
  @Order(6)
  void aReplicaWithAnotherHashSeedIsRefusedWithBothValues() throws Exception {
    ReplicaProcess odd = ReplicaProcess.launch(home, "odd", ReplicaProcess.freePort(), members, "--hash-seed", "other");
    replicas.add(odd);
    assertEquals(1, odd.awaitExit());
    String log = odd.log();
    assertTrue(log.contains("hash seed 'other' on this replica differs from 'ember'"), odd.logTail());
  }

  @Test
  @Order(4)
  void kafkaRequestsOnTheSharedTopicAreServedByTheReplicaCachingTheirPrefixAndAnsweredOnce() throws Exception {
    Map<String, String> requests = new HashMap<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrap(),
        "acks", "all"), new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int partition = 0; partition < 3; partition++) {
        String id = UUID.randomUUID().toString();
        String body = new JsonObject().put("model", "demo").put("prompt", PREFIX + " kafka " + partition)
            .put("max_tokens", 2).put("temperature", 0).encode();
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(REQUESTS, partition, null, body.getBytes(UTF_8));
        r.headers().add("kafka_correlationId", id.getBytes(UTF_8)).add("kafka_replyTopic", REPLIES.getBytes(UTF_8));
        producer.send(r).get(30, TimeUnit.SECONDS);
        requests.put(id, body);
      }
    }
    Map<String, List<ConsumerRecord<byte[], byte[]>>> finals = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrap(),
        "auto.offset.reset", "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(new TopicPartition(REPLIES, 0)));
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      // Poll on for a moment after the last final reply: a second answer to any request would show up.
      long quietUntil = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, quietUntil)) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.headers().lastHeader("ember-final") != null) {
            finals.computeIfAbsent(new String(r.headers().lastHeader("kafka_correlationId").value(), UTF_8),
                k -> new ArrayList<>()).add(r);
          }
        }
        if (finals.keySet().containsAll(requests.keySet()) && quietUntil == Long.MAX_VALUE) {
          quietUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        }
      }
    }
    assertEquals(requests.keySet(), finals.keySet(), "every request answered");
    for (List<ConsumerRecord<byte[], byte[]>> f : finals.values()) {
      assertEquals(1, f.size(), "answered once");
      ConsumerRecord<byte[], byte[]> reply = f.get(0);
      assertEquals("b", new String(reply.headers().lastHeader("ember-replica").value(), UTF_8));
      JsonObject usage = new JsonObject(new String(reply.value(), UTF_8)).getJsonObject("usage");
      assertTrue(usage.getJsonObject("prompt_tokens_details").getInteger("cached_tokens") > 0, usage.encode());
    }
  }

  @Test
  @Order(7)
  void aReplicaStoppingGracefullyFinishesTheRequestsForwardedToIt() throws Exception {
    ReplicaProcess d = replicas.stream().filter(r -> r.name().equals("d")).findFirst().orElseThrow();
    String prefix = PREFIX.replace("w", "g");
    long before = indexBlocks(a, "d");
    int blocks = complete(d, prefix + " first", false, 2).promptTokens() / 16;
    awaitTrue(() -> indexBlocks(a, "d") >= before + blocks, "a indexes d's new blocks");
    CountDownLatch streamingFromD = new CountDownLatch(1);
    CompletableFuture<String> forwarded = CompletableFuture.supplyAsync(() ->
        outcome(a, prefix + " while stopping", streamingFromD, "d", 300));
    assertTrue(streamingFromD.await(60, TimeUnit.SECONDS), "a request was streaming from d");
    d.terminate();
    assertEquals("complete", forwarded.get(60, TimeUnit.SECONDS));
    d.awaitExit();
    assertTrue(d.log().contains("ember serve: stopped"), d.logTail());
    // The replicas share the demo model's directory; d saved its prefixes under its own name.
    try (Stream<Path> files = Files.walk(home)) {
      assertEquals(List.of("prefix-demo@d.kvsnap"), files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".kvsnap")).toList());
    }
    Answer after = complete(a, prefix + " after", false, 2);
    assertNotEquals("d", after.replica());
  }

  @Test
  @Order(8)
  void killingBMidLoadAnswersEveryRequestOnceAndDropsItsBlocks() throws Exception {
    String bMember = memberId(a, "b");
    // A prefix only b caches: PREFIX (which the round-robin test spread) and then a few blocks of its own, short
    // enough for the load's 1,000 tokens to fit maxModelLen. b has served most of the requests so far, so the
    // share guard would send a prompt nobody caches elsewhere; this one starts with blocks b caches, and b, the
    // receiving replica, wins the tie with any other holder of PREFIX.
    String prefix = PREFIX + " " + String.join(" ", Arrays.asList(PREFIX.replace("w", "k").split(" ")).subList(0, 12));
    long before = Math.max(indexBlocks(a, "b"), indexBlocks(c, "b"));
    Answer first = complete(b, prefix + " first", false, 2);
    assertEquals("b", first.replica());
    int blocks = first.promptTokens() / 16 - first.cachedTokens() / 16;
    awaitTrue(() -> indexBlocks(a, "b") >= before + blocks && indexBlocks(c, "b") >= before + blocks,
        "a and c index b's new blocks");
    CountDownLatch streamingFromB = new CountDownLatch(1);
    List<CompletableFuture<String>> load = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ReplicaProcess entry = i % 2 == 0 ? a : c;
      String prompt = prefix + " load " + UUID.randomUUID();
      load.add(CompletableFuture.supplyAsync(() -> outcome(entry, prompt, streamingFromB, "b", 1000)));
    }
    assertTrue(streamingFromB.await(60, TimeUnit.SECONDS), "a request was streaming from b");
    b.kill();
    Set<String> outcomes = new HashSet<>();
    for (CompletableFuture<String> f : load) {
      String outcome = f.get(120, TimeUnit.SECONDS);
      assertTrue(outcome.equals("complete") || outcome.startsWith("error"), outcome);
      outcomes.add(outcome);
    }
    assertTrue(outcomes.contains("error: chunk"), "the stream cut by the kill ended with an error chunk: " + outcomes);
    awaitTrue(() -> !clusterDoc(a).encode().contains(bMember), "b left a's directory and index");
    Answer after = complete(a, PREFIX + " after", false, 2);
    assertNotEquals("b", after.replica());
  }

  @Test
  @Order(9)
  void aColdFunctionHereTokenizesAndRoutesByCachedPrefixToAWarmPeerWithoutWakingIt() throws Exception {
    Path functions = Files.createDirectories(home.resolve("cold-functions"));
    Files.writeString(functions.resolve("demo.yaml"), String.join("\n",
        "name: demo",
        "model: {path: 'embedded:demo'}",
        "engine: {maxModelLen: 2048, maxNumSeqs: 16, maxNumBatchedTokens: 512, kvCacheMemory: 16MiB}",
        "limits: {maxQueue: 64, maxTokens: 1024}",
        "scaling: {minWarm: 0}",
        "prewarm: {onStart: false}", ""));
    ReplicaProcess cold = start("cold", ReplicaProcess.freePort(), "--functions", functions.toString());
    assertTrue(get(cold, "/functions/demo").contains("\"COLD\""), get(cold, "/functions/demo"));
    Map<String, Long> before = new HashMap<>();
    for (String r : List.of("a", "b", "c", "d", "e")) {
      before.put(r, indexBlocks(cold, r));
    }

    // Its model's tokenizer answers while the weights stay unloaded: the same ids as a WARM replica's.
    String text = PREFIX.substring(0, 200);
    JsonObject coldIds = tokenize(cold, text);
    assertEquals(200, coldIds.getInteger("status"), coldIds.encode());
    assertEquals(tokenize(a, text).getJsonArray("tokens"), coldIds.getJsonArray("tokens"));

    // One replica alone caches this prefix (c itself on an idle cluster, else the one c routed it to); the COLD
    // replica hashes the text prompt itself and sends it there.
    String prefix = PREFIX.replace("w", "q");
    Answer first = complete(c, prefix + " first", false, 2);
    String holder = first.replica();
    int blocks = first.promptTokens() / 16;
    awaitTrue(() -> indexBlocks(cold, holder) >= before.get(holder) + blocks, "the cold replica indexes " + holder
        + "'s blocks");
    Answer answer = complete(cold, prefix + " cold", false, 2);
    assertEquals(holder, answer.replica(), "served by the replica caching the prefix");
    assertTrue(answer.cachedTokens() >= (blocks - 1) * 16, "cached_tokens " + answer.cachedTokens());
    assertTrue(get(cold, "/functions/demo").contains("\"COLD\""), "still COLD: " + get(cold, "/functions/demo"));

    cold.terminate();
    cold.awaitExit();
    assertTrue(cold.log().contains("ember serve: stopped"), cold.logTail());
    assertFalse(cold.log().contains("RejectedExecutionException"), "a clean shutdown: " + cold.logTail());
  }

  /** POST /tokenize of a text prompt: the answer with its HTTP status added as "status". */
  private static JsonObject tokenize(ReplicaProcess r, String text) throws IOException, InterruptedException {
    HttpResponse<String> resp = HTTP.send(HttpRequest.newBuilder(URI.create(r.url("/tokenize")))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("model", "demo").put("prompt", text).encode()))
        .build(), HttpResponse.BodyHandlers.ofString());
    return new JsonObject(resp.body()).put("status", resp.statusCode());
  }

  @Test
  @Order(10)
  void aHotPrefixUnderConcurrentLoadSpreadsOverTheReplicas() throws Exception {
    String hot = PREFIX.replace("w", "h");
    long before = indexBlocks(a, "c");
    int blocks = complete(c, hot + " first", false, 2).promptTokens() / 16;
    awaitTrue(() -> indexBlocks(a, "c") >= before + blocks, "a indexes c's blocks of the hot prefix");
    List<CompletableFuture<String>> load = new ArrayList<>();
    Map<String, Integer> served = new TreeMap<>();
    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 8; i++) {
        String prompt = hot + " load " + i;
        // All at once: each decision weighs the work the earlier ones sent somewhere, before the peer that
        // took them has admitted them (a counts what it forwarded) or after (its directory entry counts it).
        load.add(CompletableFuture.supplyAsync(() -> servedBy(a, prompt, 500), clients));
      }
      for (CompletableFuture<String> f : load) {
        served.merge(f.get(120, TimeUnit.SECONDS), 1, Integer::sum);
      }
    }
    assertTrue(served.keySet().stream().noneMatch(k -> k.startsWith("error")), "every request completed: " + served);
    assertTrue(served.getOrDefault("c", 0) >= 1, "the replica caching the prefix took the first: " + served);
    assertTrue(served.size() >= 2, "the work queued on c outweighs the prefix; the load spreads: " + served);
    assertTrue(served.getOrDefault("c", 0) < load.size(), "not every request piled onto c: " + served);
  }

  /** The replica that served a streamed request to the end ("error: ..." when it failed). */
  private static String servedBy(ReplicaProcess entry, String prompt, int maxTokens) {
    try {
      HttpResponse<String> r = post(entry, prompt, true, maxTokens);
      if (r.statusCode() != 200 || !r.body().trim().endsWith("data: [DONE]") || r.body().contains("\"error\"")) {
        return "error: " + r.statusCode() + " " + r.body();
      }
      return r.headers().firstValue("X-Ember-Replica").orElse("none");
    } catch (IOException e) {
      return "error: " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "error: interrupted";
    }
  }

  /**
   * complete (a whole stream ending in [DONE] with no error), or error: ... (an error status, or an error
   * chunk and then the stream's end); counts down {@code fromB} once a chunk came from {@code replica}.
   */
  private static String outcome(ReplicaProcess entry, String prompt, CountDownLatch fromB, String replica,
      int maxTokens) {
    try {
      HttpResponse<Stream<String>> r = HTTP.send(request(entry, prompt, true, maxTokens),
          HttpResponse.BodyHandlers.ofLines());
      if (r.statusCode() != 200) {
        return "error: status " + r.statusCode();
      }
      boolean servedByB = replica.equals(r.headers().firstValue("X-Ember-Replica").orElse(""));
      boolean error = false;
      String last = "";
      for (String line : (Iterable<String>) r.body()::iterator) {
        if (line.isEmpty()) {
          continue;
        }
        if (servedByB && line.startsWith("data: {")) {
          fromB.countDown();
        }
        error |= line.contains("\"error\"");
        last = line;
      }
      if (!last.equals("data: [DONE]")) {
        return "truncated after " + last;
      }
      return error ? "error: chunk" : "complete";
    } catch (IOException e) {
      return "no answer: " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private record Answer(String replica, int promptTokens, int cachedTokens, String body) {}

  private static Answer complete(ReplicaProcess entry, String prompt, boolean stream, int maxTokens) throws Exception {
    HttpResponse<String> r = post(entry, prompt, stream, maxTokens);
    assertEquals(200, r.statusCode(), r.body());
    String replica = r.headers().firstValue("X-Ember-Replica").orElse(null);
    JsonObject usage = null;
    if (stream) {
      for (String line : r.body().split("\n")) {
        if (line.startsWith("data: {") && line.contains("\"usage\":{")) {
          usage = new JsonObject(line.substring(6)).getJsonObject("usage");
        }
      }
    } else {
      usage = new JsonObject(r.body()).getJsonObject("usage");
    }
    if (usage == null) {
      fail("no usage in " + r.body());
    }
    return new Answer(replica, usage.getInteger("prompt_tokens"),
        usage.getJsonObject("prompt_tokens_details").getInteger("cached_tokens"), r.body());
  }

  private static HttpResponse<String> post(ReplicaProcess entry, String prompt, boolean stream, int maxTokens)
      throws IOException, InterruptedException {
    return HTTP.send(request(entry, prompt, stream, maxTokens), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest request(ReplicaProcess entry, String prompt, boolean stream, int maxTokens) {
    JsonObject body = new JsonObject().put("model", "demo").put("prompt", prompt).put("max_tokens", maxTokens)
        .put("temperature", 0).put("ignore_eos", true).put("stream", stream);
    if (stream) {
      body.put("stream_options", new JsonObject().put("include_usage", true));
    }
    return HttpRequest.newBuilder(URI.create(entry.url("/v1/completions")))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(120))
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build();
  }

  /** The stream without what differs per request: ids and creation times. */
  private static String normalized(String sse) {
    return sse.replaceAll("\"id\":\"[^\"]+\"", "\"id\":\"\"").replaceAll("\"created\":\\d+", "\"created\":0");
  }

  private static String get(ReplicaProcess r, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(r.url(path))).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /** Requests running on the demo function's engines, every replica's, as r's directory shows them. */

  private static JsonObject clusterDoc(ReplicaProcess r) {
    String body = get(r, "/cluster");
    return body.isEmpty() ? new JsonObject().put("functions", new JsonObject()).put("members", new JsonArray())
        : new JsonObject(body);
  }

  private static String memberId(ReplicaProcess r, String replica) {
    for (Object o : clusterDoc(r).getJsonArray("members")) {
      JsonObject m = (JsonObject) o;
      if (replica.equals(m.getString("replica"))) {
        return m.getString("member");
      }
    }
    throw new AssertionError(replica + " is not a member");
  }

  /** Blocks of the named replica in r's prefix index. */
  private static long indexBlocks(ReplicaProcess r, String replica) {
    for (Object o : clusterDoc(r).getJsonArray("members")) {
      JsonObject m = (JsonObject) o;
      if (replica.equals(m.getString("replica"))) {
        return m.getLong("indexBlocks");
      }
    }
    return 0;
  }

  private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting until " + what);
      }
      Thread.sleep(100);
    }
  }
}
