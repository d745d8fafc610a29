package dev.ember.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A client of the Kafka door for the CLI ({@code ember invoke}, {@code ember bench kafka}): creates its own
 * one-partition reply topic, sends requests with the reply headers, and hands each reply record to the
 * request's listener on a poll thread until the final one. The reply topic is deleted on close.
 *
 * <pre>{@code
 * try (KafkaRequester k = KafkaRequester.connect("localhost:9092", Map.of())) {
 *   k.request("ember.demo.requests", "demo", json, rec -> print(rec)).get();
 * }
 * }</pre>
 */
public final class KafkaRequester implements AutoCloseable {
  private final Admin admin;
  private final String replyTopic;
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final Thread poller;
  private volatile boolean running = true;

  private record Pending(Consumer<ConsumerRecord<byte[], byte[]>> listener, CompletableFuture<ConsumerRecord<byte[], byte[]>> done) {}

  private KafkaRequester(Map<String, Object> client) throws Exception {
    admin = Admin.create(client);
    replyTopic = "ember.replies." + UUID.randomUUID();
    admin.createTopics(List.of(new NewTopic(replyTopic, Optional.of(1), Optional.empty()))).all().get(30, TimeUnit.SECONDS);
    Map<String, Object> p = new HashMap<>(client);
    p.put("acks", "all");
    p.put("linger.ms", "1");
    producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    consumer = new KafkaConsumer<>(client, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    TopicPartition tp = new TopicPartition(replyTopic, 0);
    consumer.assign(List.of(tp));
    consumer.seekToBeginning(List.of(tp));
    consumer.position(tp);
    poller = new Thread(this::poll, "ember-kafka-replies");
    poller.setDaemon(true);
    poller.start();
  }

  /** Connects with {@code properties} (SASL, TLS, ...) added to the bootstrap servers. */
  public static KafkaRequester connect(String bootstrap, Map<String, String> properties) throws Exception {
    Map<String, Object> client = new HashMap<>(properties);
    client.put("bootstrap.servers", bootstrap);
    return new KafkaRequester(client);
  }

  /**
   * Sends {@code json} to {@code topic} (with the {@code ember-function} header when {@code function} is
   * not null); {@code listener} sees every reply record, and the future completes with the final one.
   */
  public CompletableFuture<ConsumerRecord<byte[], byte[]>> request(String topic, String function, String json,
      Consumer<ConsumerRecord<byte[], byte[]>> listener) {
    byte[] id = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
    Pending p = new Pending(listener, new CompletableFuture<>());
    pending.put(HexFormat.of().formatHex(id), p);
    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, null, json.getBytes(StandardCharsets.UTF_8));
    r.headers().add(EmberKafkaHeaders.CORRELATION_ID, id);
    r.headers().add(EmberKafkaHeaders.REPLY_TOPIC, replyTopic.getBytes(StandardCharsets.UTF_8));
    if (function != null) {
      r.headers().add(EmberKafkaHeaders.FUNCTION, function.getBytes(StandardCharsets.UTF_8));
    }
    producer.send(r, (md, e) -> {
      if (e != null) {
        pending.remove(HexFormat.of().formatHex(id));
        p.done().completeExceptionally(e);
      }
    });
    return p.done();
  }

  /** The value of header {@code name} as text, or null. */
  public static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private void poll() {
    while (running) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
        Header c = r.headers().lastHeader(EmberKafkaHeaders.CORRELATION_ID);
        Pending p = c == null ? null : pending.get(HexFormat.of().formatHex(c.value()));
        if (p == null) {
          continue;
        }
        p.listener().accept(r);
        if (header(r, EmberKafkaHeaders.FINAL) != null) {
          pending.remove(HexFormat.of().formatHex(c.value()));
          p.done().complete(r);
        }
      }
    }
  }

  @Override
  public void close() throws Exception {
    running = false;
    poller.join(5_000);
    consumer.close(Duration.ofSeconds(5));
    producer.close(Duration.ofSeconds(5));
    admin.deleteTopics(List.of(replyTopic)).all().get(30, TimeUnit.SECONDS);
    admin.close(Duration.ofSeconds(5));
  }
}
