package dev.ember.kafka;

import static dev.ember.kafka.ReplyTopicClient.header;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.function.FunctionEndpoint;
import dev.ember.function.FunctionGateway;
import dev.ember.function.FunctionInfo;
import dev.ember.function.FunctionInstance;
import dev.ember.function.FunctionManifest;
import dev.ember.function.FunctionState;
import dev.ember.function.ServingMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Kafka door against a real Kafka 4.1 broker (child JVM, KRaft) and real functions over the demo
 * model; the requesting side is the plain Kafka client with Spring's reply headers.
 */
class KafkaDoorTest {
  static final Duration WAIT = Duration.ofSeconds(60);
  static KafkaBrokerProcess broker;
  static Vertx vertx;
  static FunctionInstance demo;
  static FunctionInstance tiny;
  /** Never warmed by the fixture: Kafka requests must wake it. */
  static FunctionInstance sleepy;
  /** The demo function behind a gate, to hold requests in flight. */
  static GatedFunction gated;
  static FunctionGateway gateway;
  static int topics;
  KafkaDoor door;
  ReplyTopicClient client;

  @BeforeAll
  static void startBrokerAndFunctions() throws Exception {
    broker = KafkaBrokerProcess.start();
    vertx = Vertx.vertx();
    demo = new FunctionInstance(vertx, FunctionManifest.of("demo", FunctionManifest.ModelSpec.EMBEDDED_DEMO, null),
        ServingMetrics.NOOP);
    tiny = new FunctionInstance(vertx, FunctionManifest.of("tiny", FunctionManifest.ModelSpec.EMBEDDED_DEMO, null)
        .withLimits(new FunctionManifest.Limits(1, 64)), ServingMetrics.NOOP);
    sleepy = new FunctionInstance(vertx, FunctionManifest.of("sleepy", FunctionManifest.ModelSpec.EMBEDDED_DEMO, null),
        ServingMetrics.NOOP);
    demo.warm().await(120, TimeUnit.SECONDS);
    tiny.warm().await(120, TimeUnit.SECONDS);
    gated = new GatedFunction(demo);
    gateway = new FunctionGateway() {
      @Override
      public Optional<FunctionEndpoint> function(String name) {
        return Optional.ofNullable(switch (name) {
          case "demo" -> demo;
          case "tiny" -> tiny;
          case "sleepy" -> sleepy;
          case "gated" -> gated;
          default -> null;
        });
      }

      @Override
      public List<FunctionInfo> list() {
        return List.of(demo.info(), tiny.info(), sleepy.info());
      }
    };
  }

  @AfterAll
  static void stopAll() throws Exception {
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
    if (broker != null) {
      broker.close();
    }
  }

  @AfterEach
  void closeDoor() throws Exception {
    if (door != null) {
      door.close().await(30, TimeUnit.SECONDS);
    }
    if (client != null) {
      client.close();
    }
  }

  /** A fresh request topic (with {@code partitions}) served for {@code function}, and a reply topic. */
  String serve(String function, int partitions, int replyPartitions, KafkaDoorOptions options) throws Exception {
    String name = "t" + (++topics);
    String requestTopic = name + ".requests";
    broker.createTopic(requestTopic, partitions);
    broker.createTopic(name + ".replies", replyPartitions);
    options.setBootstrapServers(broker.bootstrap())
        .addFunction(function, new FunctionManifest.Kafka(true, requestTopic, "ember." + name, 8));
    door = KafkaDoor.start(vertx, gateway, options).await(60, TimeUnit.SECONDS);
    client = new ReplyTopicClient(broker.bootstrap(), name + ".replies", replyPartitions);
    return requestTopic;
  }

  static String chat(int maxTokens, boolean stream) {
    return new JsonObject().put("messages", List.of(Map.of("role", "user", "content", "Hello there")))
        .put("max_tokens", maxTokens).put("temperature", 0).put("ignore_eos", true).put("stream", stream).encode();
  }

  static JsonObject json(ConsumerRecord<byte[], byte[]> r) {
    return new JsonObject(new String(r.value(), StandardCharsets.UTF_8));
  }

  static long submitted(FunctionInstance f) {
    return f.info().stats().requestsSubmitted();
  }

  /** Waits for a condition the door only exposes as state, checking it every few milliseconds up to a deadline. */
  static void awaitCondition(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void aSpringStyleRequestGetsOneReplyOnTheRequestedPartitionKeyedByItsCorrelationId() throws Exception {
    String topic = serve("demo", 1, 2, new KafkaDoorOptions());
    byte[] id = client.send(topic, chat(5, false), Map.of(EmberKafkaHeaders.REPLY_PARTITION,
        ByteBuffer.allocate(4).putInt(1).array()));
    List<ConsumerRecord<byte[], byte[]>> replies = client.awaitFinal(id, WAIT);
    assertEquals(1, replies.size());
    ConsumerRecord<byte[], byte[]> r = replies.get(0);
    assertEquals(1, r.partition());
    assertArrayEquals(id, r.key());
    assertEquals("true", header(r, EmberKafkaHeaders.FINAL));
    assertNull(header(r, EmberKafkaHeaders.ERROR));
    JsonObject body = json(r);
    assertEquals("chat.completion", body.getString("object"));
    assertEquals("demo", body.getString("model"));
    assertEquals("length", body.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertEquals(5, body.getJsonObject("usage").getInteger("completion_tokens"));
  }

  @Test
  void aStreamedReplyHasContiguousChunksThenOneFinalRecordWithUsage() throws Exception {
    String topic = serve("demo", 1, 1, new KafkaDoorOptions());
    byte[] id = client.send(topic, chat(6, true), Map.of());
    List<ConsumerRecord<byte[], byte[]>> replies = client.awaitFinal(id, WAIT);
    ConsumerRecord<byte[], byte[]> last = replies.get(replies.size() - 1);
    assertEquals("true", header(last, EmberKafkaHeaders.FINAL));
    assertEquals(1, replies.stream().filter(r -> header(r, EmberKafkaHeaders.FINAL) != null).count());
    List<ConsumerRecord<byte[], byte[]>> chunks = replies.subList(0, replies.size() - 1);
    assertFalse(chunks.isEmpty());
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < chunks.size(); i++) {
      assertEquals(Integer.toString(i), header(chunks.get(i), EmberKafkaHeaders.SEQ));
      JsonObject chunk = json(chunks.get(i));
      assertEquals("chat.completion.chunk", chunk.getString("object"));
      text.append(chunk.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("content", ""));
    }
    assertFalse(text.isEmpty());
    JsonObject fin = json(last);
    assertEquals(6, fin.getJsonObject("usage").getInteger("completion_tokens"));
    assertEquals("length", fin.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
  }

  @Test
  void aHundredConcurrentRequestsOnSeveralPartitionsAreEachAnsweredExactlyOnce() throws Exception {
    String topic = serve("demo", 4, 1, new KafkaDoorOptions());
    List<byte[]> ids = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      ids.add(client.send(topic, chat(3, i % 2 == 0), Map.of(EmberKafkaHeaders.FUNCTION,
          "demo".getBytes(StandardCharsets.UTF_8))));
    }
    for (byte[] id : ids) {
      client.awaitFinal(id, WAIT);
    }
    awaitCondition("every offset committed", () -> committedTotal(topic, "ember.t" + topics, 4) == 100);
    for (byte[] id : ids) {
      assertEquals(1, client.replies(id).stream().filter(r -> header(r, EmberKafkaHeaders.FINAL) != null).count());
    }
    awaitCondition("the door counted every acknowledged reply", () -> door.stats().answered() == 100);
    assertEquals(0, door.stats().duplicates());
  }

  @Test
  void recordsForAColdFunctionWakeItAndAreAllAnswered() throws Exception {
    assertEquals(FunctionState.COLD, sleepy.state());
    String topic = serve("sleepy", 2, 1, new KafkaDoorOptions());
    List<byte[]> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add(client.send(topic, chat(3, false), Map.of()));
    }
    for (byte[] id : ids) {
      List<ConsumerRecord<byte[], byte[]>> replies = client.awaitFinal(id, WAIT);
      assertNull(header(replies.get(replies.size() - 1), EmberKafkaHeaders.ERROR));
    }
    assertEquals(FunctionState.WARM, sleepy.state());
    assertEquals(10, submitted(sleepy));
  }

  @Test
  void malformedJsonIsAnsweredWithAnOpenAiErrorReply() throws Exception {
    String topic = serve("demo", 1, 1, new KafkaDoorOptions());
    byte[] id = client.send(topic, "{\"messages\": [", Map.of());
    List<ConsumerRecord<byte[], byte[]>> replies = client.awaitFinal(id, WAIT);
    assertEquals(1, replies.size());
    assertEquals("400", header(replies.get(0), EmberKafkaHeaders.ERROR));
    JsonObject error = json(replies.get(0)).getJsonObject("error");
    assertEquals("invalid_request_error", error.getString("type"));
    assertTrue(error.getString("message").contains("JSON"), error.getString("message"));
  }

  @Test
  void aRequestWithoutReplyTopicGoesToTheDeadLetterTopicSayingWhy() throws Exception {
    String topic = serve("demo", 1, 1, new KafkaDoorOptions());
    client.sendRaw(topic, chat(2, false), Map.of(EmberKafkaHeaders.CORRELATION_ID, "x1".getBytes(StandardCharsets.UTF_8)));
    try (KafkaConsumer<byte[], byte[]> dlt = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrap(),
        "auto.offset.reset", "earliest", "allow.auto.create.topics", "false"), new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      awaitCondition("the dead letter", () -> door.stats().deadLettered() == 1);
      TopicPartition tp = new TopicPartition(topic + EmberKafkaHeaders.DLT_SUFFIX, 0);
      dlt.assign(List.of(tp));
      dlt.seekToBeginning(List.of(tp));
      List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (got.isEmpty() && System.nanoTime() < deadline) {
        dlt.poll(Duration.ofMillis(500)).forEach(got::add);
      }
      assertEquals(1, got.size());
      ConsumerRecord<byte[], byte[]> r = got.get(0);
      assertEquals(chat(2, false), new String(r.value(), StandardCharsets.UTF_8));
      assertEquals(UnanswerableName.NAME, header(r, EmberKafkaHeaders.DLT_EXCEPTION_FQCN));
      assertTrue(header(r, EmberKafkaHeaders.DLT_EXCEPTION_MESSAGE).contains(EmberKafkaHeaders.REPLY_TOPIC));
      assertEquals(topic, header(r, EmberKafkaHeaders.DLT_ORIGINAL_TOPIC));
      assertEquals(0L, ByteBuffer.wrap(r.headers().lastHeader(EmberKafkaHeaders.DLT_ORIGINAL_OFFSET).value()).getLong());
    }
    io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry =
        new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    KafkaDoorMetrics.bind(registry, door);
    assertTrue(registry.scrape().contains("ember_kafka_dead_letters_total 1.0"), registry.scrape());
  }

  @Test
  void closeReturnsPromptlyAfterAnUndeliverableReplyIsDeadLettered() throws Exception {
    gated.shut();
    String topic = serve("gated", 1, 1, new KafkaDoorOptions());
    // A reply topic Kafka rejects: the reply fails for good, so the request goes to the dead-letter topic.
    client.sendRaw(topic, chat(2, false), Map.of(EmberKafkaHeaders.CORRELATION_ID, "x2".getBytes(StandardCharsets.UTF_8),
        EmberKafkaHeaders.REPLY_TOPIC, "no such topic!".getBytes(StandardCharsets.UTF_8)));
    awaitCondition("the request is running (held at the gate)", () -> door.stats().received() == 1);
    KafkaDoor closing = door;
    door = null;
    Future<Void> closed = closing.close();
    long opened = System.nanoTime();
    gated.open();
    closed.await(30, TimeUnit.SECONDS);
    long tookMs = (System.nanoTime() - opened) / 1_000_000;
    assertEquals(1, closing.stats().deadLettered());
    // Without the dead letter counting out, close waits its full 10 s drain timeout.
    assertTrue(tookMs < 8_000, "close took " + tookMs + " ms after the dead letter");
  }

  @Test
  void aCorrelationIdReusedOnAnotherReplyTopicIsANewRequestAndATrueDuplicateIsAnsweredOnce() throws Exception {
    String topic = serve("demo", 1, 1, new KafkaDoorOptions());
    String otherReplies = "t" + topics + ".other-replies";
    broker.createTopic(otherReplies, 1);
    try (ReplyTopicClient other = new ReplyTopicClient(broker.bootstrap(), otherReplies, 1)) {
      long before = submitted(demo);
      byte[] id = "shared-correlation-id".getBytes(StandardCharsets.UTF_8);
      Map<String, byte[]> toFirst = Map.of(EmberKafkaHeaders.CORRELATION_ID, id,
          EmberKafkaHeaders.REPLY_TOPIC, ("t" + topics + ".replies").getBytes(StandardCharsets.UTF_8));
      Map<String, byte[]> toOther = Map.of(EmberKafkaHeaders.CORRELATION_ID, id,
          EmberKafkaHeaders.REPLY_TOPIC, otherReplies.getBytes(StandardCharsets.UTF_8));
      client.sendRaw(topic, chat(3, false), toFirst);
      other.sendRaw(topic, chat(4, false), toOther);
      client.sendRaw(topic, chat(3, false), toFirst);
      List<ConsumerRecord<byte[], byte[]>> first = client.awaitFinal(id, WAIT);
      List<ConsumerRecord<byte[], byte[]>> second = other.awaitFinal(id, WAIT);
      assertEquals(3, json(first.get(first.size() - 1)).getJsonObject("usage").getInteger("completion_tokens"));
      assertEquals(4, json(second.get(second.size() - 1)).getJsonObject("usage").getInteger("completion_tokens"));
      awaitCondition("all three records received", () -> door.stats().received() == 3);
      awaitCondition("the true duplicate counted", () -> door.stats().duplicates() == 1);
      awaitCondition("every offset committed", () -> committedTotal(topic, "ember.t" + topics, 1) == 3);
      assertEquals(before + 2, submitted(demo), "one generation per reply topic");
      assertEquals(1, client.replies(id).size(), "the duplicate is not answered again");
      assertEquals(1, other.replies(id).size());
    }
  }

  @Test
  void aRequestRedeliveredAfterAConsumerCrashIsAnsweredOnceWithoutASecondGeneration() throws Exception {
    String topic = serve("demo", 1, 1, new KafkaDoorOptions().setCommitInterval(Duration.ofHours(1)));
    long before = submitted(demo);
    byte[] id = client.send(topic, chat(4, false), Map.of());
    client.awaitFinal(id, WAIT);
    assertEquals(before + 1, submitted(demo));
    door.crashConsumers().await(30, TimeUnit.SECONDS);
    awaitCondition("the redelivery", () -> door.stats().duplicates() == 1);
    assertEquals(2, door.stats().received());
    assertEquals(before + 1, submitted(demo), "not generated again");
    assertEquals(1, client.replies(id).size(), "not answered again");
  }

  @Test
  void everyRequestGetsExactlyOneFinalReplyAcrossABrokerRestart() throws Exception {
    gated.shut();
    String topic = serve("gated", 2, 1, new KafkaDoorOptions());
    List<byte[]> ids = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      ids.add(client.send(topic, chat(16, i % 2 == 1), Map.of()));
    }
    awaitCondition("the door took every record", () -> door.stats().received() == 12);
    broker.stop();
    gated.open();
    awaitCondition("the door's 8 running requests generated", () -> gated.finished() == 8);
    assertEquals(0, door.stats().answered(), "no reply can be acknowledged while the broker is down");
    broker.restart();
    for (byte[] id : ids) {
      client.awaitFinal(id, WAIT);
    }
    for (byte[] id : ids) {
      assertEquals(1, client.replies(id).stream().filter(r -> header(r, EmberKafkaHeaders.FINAL) != null).count());
    }
    assertEquals(12, gated.submitted(), "no request was generated twice");
  }

  @Test
  void aStreamGeneratedWhileTheBrokerIsDownArrivesAsFewMergedChunks() throws Exception {
    gated.shut();
    String topic = serve("gated", 1, 1, new KafkaDoorOptions());
    byte[] whole = client.send(topic, chat(24, false), Map.of());
    byte[] streamed = client.send(topic, chat(24, true), Map.of());
    awaitCondition("the door took both records", () -> door.stats().received() == 2);
    broker.stop();
    gated.open();
    awaitCondition("both generated while the broker is down", () -> gated.finished() == 2);
    broker.restart();
    String expected = json(client.awaitFinal(whole, WAIT).get(0)).getJsonArray("choices").getJsonObject(0)
        .getJsonObject("message").getString("content");
    List<ConsumerRecord<byte[], byte[]>> replies = client.awaitFinal(streamed, WAIT);
    List<ConsumerRecord<byte[], byte[]>> chunks = replies.subList(0, replies.size() - 1);
    assertTrue(chunks.size() <= 2, "a chunk in flight, then the rest merged: " + chunks.size() + " chunk records");
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < chunks.size(); i++) {
      assertEquals(Integer.toString(i), header(chunks.get(i), EmberKafkaHeaders.SEQ));
      text.append(json(chunks.get(i)).getJsonArray("choices").getJsonObject(0).getJsonObject("delta")
          .getString("content", ""));
    }
    assertEquals(expected, text.toString(), "merging loses no text");
    assertEquals(24, json(replies.get(replies.size() - 1)).getJsonObject("usage").getInteger("completion_tokens"));
  }

  @Test
  void aPartitionMovedToANewMemberMidRequestIsAnsweredOnceByItsNewOwner() throws Exception {
    gated.shut();
    String topic = serve("gated", 2, 1, new KafkaDoorOptions());
    List<byte[]> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ids.add(client.send(topic, i % 2, chat(4, i % 3 == 0), Map.of()));
    }
    awaitCondition("the first member took every record", () -> door.stats().received() == 6);
    KafkaDoor second = KafkaDoor.start(vertx, gateway, new KafkaDoorOptions().setBootstrapServers(broker.bootstrap())
        .addFunction("gated", new FunctionManifest.Kafka(true, topic, "ember." + topic.replace(".requests", ""), 8)))
        .await(60, TimeUnit.SECONDS);
    try {
      awaitCondition("one partition moved to the second member", () -> second.stats().received() == 3);
      gated.open();
      for (byte[] id : ids) {
        client.awaitFinal(id, WAIT);
      }
      awaitCondition("each member answered its own partition's records",
          () -> door.stats().answered() == 3 && second.stats().answered() == 3);
      for (byte[] id : ids) {
        assertEquals(1, client.replies(id).stream().filter(r -> header(r, EmberKafkaHeaders.FINAL) != null).count());
      }
    } finally {
      second.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void whatFinishedOnAMovedPartitionIsCommittedBeforeTheNewMemberIsGivenIt() throws Exception {
    // No periodic commit during the test: only the rebalance commits what the door finished.
    String topic = serve("demo", 2, 1, new KafkaDoorOptions().setCommitInterval(Duration.ofHours(1)));
    List<byte[]> ids = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ids.add(client.send(topic, i % 2, chat(2, false), Map.of()));
    }
    for (byte[] id : ids) {
      client.awaitFinal(id, WAIT);
    }
    awaitCondition("every reply acknowledged", () -> door.stats().answered() == 8);
    Map<TopicPartition, Long> committedAtAssignment = new ConcurrentHashMap<>();
    List<ConsumerRecord<byte[], byte[]>> redelivered = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> second = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrap(),
        "group.id", "ember." + topic.replace(".requests", ""), "enable.auto.commit", "false",
        "auto.offset.reset", "earliest",
        "partition.assignment.strategy", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      second.subscribe(List.of(topic), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
          // What the group had committed at the moment the partition became this member's.
          Map<TopicPartition, OffsetAndMetadata> committed = second.committed(Set.copyOf(partitions));
          partitions.forEach(tp -> committedAtAssignment.put(tp,
              committed.get(tp) == null ? -1L : committed.get(tp).offset()));
        }
      });
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (committedAtAssignment.isEmpty() && System.nanoTime() < deadline) {
        second.poll(Duration.ofMillis(100)).forEach(redelivered::add);
      }
      for (int i = 0; i < 5; i++) {
        second.poll(Duration.ofMillis(100)).forEach(redelivered::add);
      }
    }
    assertEquals(1, committedAtAssignment.size(), "one partition moved: " + committedAtAssignment);
    committedAtAssignment.forEach((tp, offset) ->
        assertEquals(4L, offset, "the 4 records answered on " + tp + " were committed before it moved"));
    assertEquals(List.of(), redelivered, "no answered record is read again by the new member");
  }

  @Test
  void aFullDoorPausesThePartitionsWithABoundedPrefetch() throws Exception {
    gated.shut();
    String topic = serve("gated", 2, 1, new KafkaDoorOptions());
    int concurrency = 8;
    List<byte[]> ids = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      ids.add(client.send(topic, chat(2, false), Map.of()));
    }
    awaitCondition("paused with the door full", () -> door.stats().paused());
    Thread.sleep(500);
    long received = door.stats().received();
    assertTrue(received >= 2 * concurrency, "running plus a full prefetch queue: " + received);
    assertTrue(received <= 3 * concurrency, "no unbounded buffering: " + received + " of 40 taken");
    gated.open();
    for (byte[] id : ids) {
      assertEquals(1, client.awaitFinal(id, WAIT).size());
    }
    awaitCondition("resumed", () -> !door.stats().paused());
    awaitCondition("the door counted every acknowledged reply", () -> door.stats().answered() == 40);
    assertEquals(40, gated.submitted());
  }

  @Test
  void aFullFunctionQueuePausesThePartitionsUntilItDrains() throws Exception {
    String topic = serve("tiny", 1, 1, new KafkaDoorOptions().setRetryDelay(Duration.ofMillis(50)));
    List<byte[]> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ids.add(client.send(topic, chat(8, false), Map.of()));
    }
    for (byte[] id : ids) {
      assertEquals(1, client.awaitFinal(id, WAIT).size());
      assertNull(header(client.replies(id).get(0), EmberKafkaHeaders.ERROR), "no request was refused to its client");
    }
    assertTrue(door.stats().pauses() > 0, "paused while the queue was full");
    awaitCondition("resumed", () -> !door.stats().paused());
    awaitCondition("the door counted every acknowledged reply", () -> door.stats().answered() == 6);
  }

  @Test
  void theCliRequesterGetsAStreamedReplyOnItsOwnReplyTopic() throws Exception {
    String topic = serve("demo", 1, 1, new KafkaDoorOptions());
    List<String> seqs = new ArrayList<>();
    try (KafkaRequester requester = KafkaRequester.connect(broker.bootstrap(), Map.of())) {
      ConsumerRecord<byte[], byte[]> last = requester.request(topic, "demo", chat(4, true),
          r -> seqs.add(KafkaRequester.header(r, EmberKafkaHeaders.SEQ))).get(60, TimeUnit.SECONDS);
      assertEquals(4, json(last).getJsonObject("usage").getInteger("completion_tokens"));
    }
    assertEquals("0", seqs.get(0));
    assertNull(seqs.get(seqs.size() - 1), "the final record has no sequence number");
  }

  private static long committedTotal(String topic, String group, int partitions) {
    try (var admin = broker.admin()) {
      var offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
      long sum = 0;
      for (int p = 0; p < partitions; p++) {
        var o = offsets.get(new TopicPartition(topic, p));
        sum += o == null ? 0 : o.offset();
      }
      return sum;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The dead-letter reason for a record without a reply address. */
  static final class UnanswerableName {
    static final String NAME = "dev.ember.kafka.internal.UnanswerableRecordException";
  }
}
