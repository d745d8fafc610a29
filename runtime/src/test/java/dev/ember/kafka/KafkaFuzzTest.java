package dev.ember.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.function.FunctionEndpoint;
import dev.ember.function.FunctionGateway;
import dev.ember.function.FunctionInfo;
import dev.ember.function.FunctionInstance;
import dev.ember.function.FunctionManifest;
import dev.ember.function.ServingMetrics;
import dev.ember.http.MalformedRequests;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Malformed request records through the Kafka door against a real broker and the demo function, from
 * a fixed seed: mutated JSON bodies, invalid UTF-8, values that are not JSON objects, no value, and
 * broken headers. Every record with usable headers gets exactly one final reply, none a
 * 5xx other than 503/507 with a reason; records whose headers cannot be trusted (no reply topic, a malformed partition, a function name that is not
 * UTF-8) are dead-lettered; afterwards a valid
 * request is answered and the engine is idle with every KV block free.
 */
class KafkaFuzzTest {
  static final long SEED = 20261206L;
  static final int RECORDS = 120;
  static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void malformedRecordsGetOneErrorReplyEachAndTheDoorKeepsServing() throws Exception {
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start()) {
      Vertx vertx = Vertx.vertx();
      try {
        FunctionInstance demo = new FunctionInstance(vertx,
            FunctionManifest.of("demo", FunctionManifest.ModelSpec.EMBEDDED_DEMO, null)
                .withLimits(new FunctionManifest.Limits(256, 64)), ServingMetrics.NOOP);
        demo.warm().await(120, TimeUnit.SECONDS);
        int freeBlocksBefore = demo.info().stats().freeBlocks();
        FunctionGateway gateway = new FunctionGateway() {
          @Override
          public Optional<FunctionEndpoint> function(String name) {
            return "demo".equals(name) ? Optional.of(demo) : Optional.empty();
          }

          @Override
          public List<FunctionInfo> list() {
            return List.of(demo.info());
          }
        };
        broker.createTopic("fz.requests", 2);
        broker.createTopic("fz.replies", 1);
        broker.createTopic("fz.requests" + EmberKafkaHeaders.DLT_SUFFIX, 1);
        KafkaDoor door = KafkaDoor.start(vertx, gateway, new KafkaDoorOptions().setBootstrapServers(broker.bootstrap())
            .addFunction("demo", new FunctionManifest.Kafka(true, "fz.requests", "ember.fz", 8)))
            .await(60, TimeUnit.SECONDS);
        try (ReplyTopicClient client = new ReplyTopicClient(broker.bootstrap(), "fz.replies", 1)) {
          Random random = new Random(SEED);
          List<byte[]> answerable = new ArrayList<>();
          List<String> sentBodies = new ArrayList<>();
          int unanswerable = 0;
          for (int i = 0; i < RECORDS; i++) {
            byte[] id = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
            Map<String, byte[]> headers = new HashMap<>();
            headers.put(EmberKafkaHeaders.CORRELATION_ID, id);
            headers.put(EmberKafkaHeaders.REPLY_TOPIC, "fz.replies".getBytes(StandardCharsets.UTF_8));
            byte[] value = value(random);
            boolean answerableRecord = true;
            switch (random.nextInt(12)) {
              case 0 -> {
                headers.remove(EmberKafkaHeaders.REPLY_TOPIC);
                answerableRecord = false;
              }
              case 1 -> {
                headers.put(EmberKafkaHeaders.REPLY_PARTITION, new byte[] {1, 2, 3});
                answerableRecord = false;
              }
              case 2 -> {
                headers.put(EmberKafkaHeaders.FUNCTION, new byte[] {(byte) 0xFF, 0x00});
                answerableRecord = false;
              }
              case 3 -> headers.put(EmberKafkaHeaders.FUNCTION, "nope".getBytes(StandardCharsets.UTF_8));
              default -> { }
            }
            client.sendBytes("fz.requests", null, value, headers);
            if (answerableRecord) {
              answerable.add(id);
              sentBodies.add(value == null ? "<null>" : new String(value, StandardCharsets.ISO_8859_1));
            } else {
              unanswerable++;
            }
          }
          Map<String, Integer> outcomes = new TreeMap<>();
          List<String> failures = new ArrayList<>();
          for (int i = 0; i < answerable.size(); i++) {
            List<ConsumerRecord<byte[], byte[]>> replies;
            try {
              replies = client.awaitFinal(answerable.get(i), WAIT);
            } catch (AssertionError e) {
              throw new AssertionError("record " + i + " (seed " + SEED + ", door " + door.stats() + "): " + e.getMessage()
                  + "\n  value: " + sentBodies.get(i), e);
            }
            long finals = replies.stream().filter(r -> ReplyTopicClient.header(r, EmberKafkaHeaders.FINAL) != null).count();
            ConsumerRecord<byte[], byte[]> last = replies.get(replies.size() - 1);
            String error = ReplyTopicClient.header(last, EmberKafkaHeaders.ERROR);
            outcomes.merge(error == null ? "ok" : error, 1, Integer::sum);
            String problem = finals != 1 ? finals + " final replies" : problem(error, last);
            if (problem != null) {
              failures.add("record " + i + " (seed " + SEED + "): " + problem + "\n  value: "
                  + sentBodies.get(i).substring(0, Math.min(300, sentBodies.get(i).length())));
            }
          }
          System.out.println("kafka fuzz: " + answerable.size() + " answered " + outcomes + ", " + unanswerable
              + " unanswerable");
          assertTrue(failures.isEmpty(), String.join("\n", failures));
          int dead = unanswerable;
          KafkaDoorTest.awaitCondition("every unanswerable record dead-lettered",
              () -> door.stats().deadLettered() == dead);

          byte[] ok = client.send("fz.requests", MalformedRequests.validBody(MalformedRequests.Kind.CHAT), Map.of());
          List<ConsumerRecord<byte[], byte[]>> replies = client.awaitFinal(ok, WAIT);
          ConsumerRecord<byte[], byte[]> last = replies.get(replies.size() - 1);
          assertNull(ReplyTopicClient.header(last, EmberKafkaHeaders.ERROR), new String(last.value(), StandardCharsets.UTF_8));
          KafkaDoorTest.awaitCondition("the engine idle with every KV block free",
              () -> demo.info().stats().running() == 0 && demo.info().stats().waiting() == 0
                  && demo.info().stats().freeBlocks() == freeBlocksBefore);
          assertEquals(0, door.stats().duplicates());
        } finally {
          door.close().await(30, TimeUnit.SECONDS);
        }
      } finally {
        vertx.close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  static byte[] value(Random random) {
    MalformedRequests.Kind kind = random.nextBoolean() ? MalformedRequests.Kind.CHAT : MalformedRequests.Kind.COMPLETION;
    return switch (random.nextInt(10)) {
      case 0 -> null;
      case 1 -> new byte[0];
      case 2 -> "[1,2,3]".getBytes(StandardCharsets.UTF_8);
      case 3 -> new byte[] {(byte) 0xFF, (byte) 0xFE, 0x00, 0x7B};
      default -> MalformedRequests.mutated(kind, random);
    };
  }

  /** Why a final reply is not acceptable, or null. */
  static String problem(String errorStatus, ConsumerRecord<byte[], byte[]> last) {
    if (errorStatus == null) {
      return null;
    }
    int status = Integer.parseInt(errorStatus);
    String body = new String(last.value(), StandardCharsets.UTF_8);
    if (status >= 500 && status != 503 && status != 507) {
      return "status " + status + ": " + body;
    }
    String message = new JsonObject(body).getJsonObject("error").getString("message");
    return message == null || message.isBlank() ? "status " + status + " without a reason" : null;
  }
}
