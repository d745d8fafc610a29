package dev.ember.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A requesting client as Spring's ReplyingKafkaTemplate behaves, written with the plain Kafka client: it
 * sends request records with {@code kafka_correlationId}/{@code kafka_replyTopic} (and optionally
 * {@code kafka_replyPartition}) headers and collects every record arriving on its reply topic, grouped by
 * correlation id, on a background poll thread.
 *
 * <pre>{@code byte[] id = client.send("ember.demo.requests", json, Map.of()); client.awaitFinal(id, timeout); }</pre>
 */
final class ReplyTopicClient implements AutoCloseable {
  private final String replyTopic;
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Map<String, List<ConsumerRecord<byte[], byte[]>>> replies = new HashMap<>();
  private final Thread poller;
  private volatile boolean running = true;

  /** Reads every partition of {@code replyTopic} (which must exist) from its start. */
  ReplyTopicClient(String bootstrap, String replyTopic, int replyPartitions) {
    this.replyTopic = replyTopic;
    producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all"), new ByteArraySerializer(),
        new ByteArraySerializer());
    consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "auto.offset.reset", "earliest"),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> parts = new ArrayList<>();
    for (int p = 0; p < replyPartitions; p++) {
      parts.add(new TopicPartition(replyTopic, p));
    }
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    poller = new Thread(this::poll, "reply-poller-" + replyTopic);
    poller.start();
  }

  /** Sends a request and returns its (fresh) correlation id once the broker acknowledged it. */
  byte[] send(String topic, String json, Map<String, byte[]> extraHeaders) throws Exception {
    return send(topic, null, json, extraHeaders);
  }

  /** {@link #send(String, String, Map)} to one partition ({@code null}: the producer chooses). */
  byte[] send(String topic, Integer partition, String json, Map<String, byte[]> extraHeaders) throws Exception {
    byte[] id = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
    Map<String, byte[]> headers = new HashMap<>();
    headers.put(EmberKafkaHeaders.CORRELATION_ID, id);
    headers.put(EmberKafkaHeaders.REPLY_TOPIC, replyTopic.getBytes(StandardCharsets.UTF_8));
    headers.putAll(extraHeaders);
    sendRaw(topic, partition, json, headers);
    return id;
  }

  /** Sends a record with exactly these headers (null values drop a header). */
  void sendRaw(String topic, String json, Map<String, byte[]> headers) throws Exception {
    sendRaw(topic, null, json, headers);
  }

  private void sendRaw(String topic, Integer partition, String json, Map<String, byte[]> headers) throws Exception {
    sendBytes(topic, partition, json == null ? null : json.getBytes(StandardCharsets.UTF_8), headers);
  }

  /** Sends a record whose value is exactly these bytes (null: no value) with exactly these headers. */
  void sendBytes(String topic, Integer partition, byte[] value, Map<String, byte[]> headers) throws Exception {
    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, partition, null, value);
    headers.forEach((k, v) -> {
      if (v != null) {
        r.headers().add(k, v);
      }
    });
    producer.send(r).get(30, TimeUnit.SECONDS);
  }

  /** Waits until the replies to {@code id} include a final record; returns them all, in arrival order. */
  List<ConsumerRecord<byte[], byte[]>> awaitFinal(byte[] id, Duration timeout) throws InterruptedException {
    return await(id, rs -> rs.stream().anyMatch(r -> header(r, EmberKafkaHeaders.FINAL) != null), timeout);
  }

  /** The replies to {@code id} received so far. */
  synchronized List<ConsumerRecord<byte[], byte[]>> replies(byte[] id) {
    return List.copyOf(replies.getOrDefault(HexFormat.of().formatHex(id), List.of()));
  }

  synchronized List<ConsumerRecord<byte[], byte[]>> await(byte[] id, Predicate<List<ConsumerRecord<byte[], byte[]>>> done,
      Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String key = HexFormat.of().formatHex(id);
    while (!done.test(replies.getOrDefault(key, List.of()))) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no final reply to " + new String(id, StandardCharsets.UTF_8) + " within " + timeout
            + "; got " + replies.getOrDefault(key, List.of()).size() + " records");
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return List.copyOf(replies.get(key));
  }

  static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private void poll() {
    while (running) {
      var records = consumer.poll(Duration.ofMillis(100));
      if (records.isEmpty()) {
        continue;
      }
      synchronized (this) {
        for (ConsumerRecord<byte[], byte[]> r : records) {
          Header c = r.headers().lastHeader(EmberKafkaHeaders.CORRELATION_ID);
          String key = c == null ? "" : HexFormat.of().formatHex(c.value());
          replies.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
        }
        notifyAll();
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    poller.join(10_000);
    consumer.close(Duration.ofSeconds(5));
    producer.close(Duration.ofSeconds(5));
  }
}
