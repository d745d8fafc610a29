package dev.ember.kafka.internal;

import dev.ember.kafka.EmberKafkaHeaders;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.producer.KafkaHeader;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import io.vertx.kafka.client.producer.RecordMetadata;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.kafka.common.errors.RetriableException;

/**
 * Writes reply and dead-letter records. Replies go to the request's reply topic (and partition, when
 * given), keyed by the correlation id, with the correlation id header copied. A send that fails with a
 * retriable error is tried again (the producer itself retries without a delivery deadline; a send that
 * could not even get metadata is resubmitted) until it is acknowledged or the sender is closed,
 * so no reply is lost to an outage; a non-retriable failure fails the returned future.
 *
 * <pre>{@code sender.reply(address, json, EmberKafkaHeaders.FINAL, "true").onSuccess(md -> commit()); }</pre>
 */
public final class ReplySender {
  private static final Logger LOG = Logger.getLogger(ReplySender.class.getName());
  private static final long RETRY_BACKOFF_MS = 500;
  private static final long CLOSE_TIMEOUT_MS = 5000;

  private final Vertx vertx;
  private final KafkaProducer<byte[], byte[]> producer;
  private volatile boolean closed;

  public ReplySender(Vertx vertx, Map<String, String> clientConfig) {
    this.vertx = vertx;
    Map<String, String> config = new HashMap<>();
    config.put("acks", "all");
    config.put("enable.idempotence", "true");
    config.put("linger.ms", "1");
    config.put("max.block.ms", "5000");
    config.put("delivery.timeout.ms", Integer.toString(Integer.MAX_VALUE));
    config.putAll(clientConfig);
    config.put("key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    config.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    this.producer = KafkaProducer.create(vertx, config);
  }

  /** Sends one reply record; {@code headers} are name/value pairs added after the correlation id. */
  public Future<RecordMetadata> reply(RequestAddress to, String json, String... headers) {
    KafkaProducerRecord<byte[], byte[]> r = KafkaProducerRecord.create(to.replyTopic(), to.correlationId(),
        json.getBytes(StandardCharsets.UTF_8), null, to.replyPartition());
    r.addHeader(EmberKafkaHeaders.CORRELATION_ID, Buffer.buffer(to.correlationId()));
    for (int i = 0; i < headers.length; i += 2) {
      r.addHeader(headers[i], headers[i + 1]);
    }
    return send(r);
  }

  /** Sends {@code request} unchanged to {@code <topic>.DLT}, with Spring's dead-letter headers saying why. */
  public Future<RecordMetadata> deadLetter(KafkaConsumerRecord<byte[], byte[]> request, Throwable reason) {
    KafkaProducerRecord<byte[], byte[]> r = KafkaProducerRecord.create(request.topic() + EmberKafkaHeaders.DLT_SUFFIX,
        request.key(), request.value());
    for (KafkaHeader h : request.headers()) {
      r.addHeader(h);
    }
    r.addHeader(EmberKafkaHeaders.DLT_EXCEPTION_FQCN, reason.getClass().getName());
    r.addHeader(EmberKafkaHeaders.DLT_EXCEPTION_MESSAGE, String.valueOf(reason.getMessage()));
    r.addHeader(EmberKafkaHeaders.DLT_ORIGINAL_TOPIC, request.topic());
    r.addHeader(EmberKafkaHeaders.DLT_ORIGINAL_PARTITION, Buffer.buffer(EmberKafkaHeaders.intBytes(request.partition())));
    r.addHeader(EmberKafkaHeaders.DLT_ORIGINAL_OFFSET, Buffer.buffer(EmberKafkaHeaders.longBytes(request.offset())));
    return send(r);
  }

  public Future<Void> close() {
    closed = true;
    return producer.close(CLOSE_TIMEOUT_MS);
  }

  private Future<RecordMetadata> send(KafkaProducerRecord<byte[], byte[]> r) {
    Promise<RecordMetadata> done = Promise.promise();
    attempt(r, done);
    return done.future();
  }

  private void attempt(KafkaProducerRecord<byte[], byte[]> r, Promise<RecordMetadata> done) {
    producer.send(r).onComplete(ar -> {
      if (ar.succeeded()) {
        done.complete(ar.result());
      } else if (ar.cause() instanceof RetriableException && !closed) {
        LOG.log(Level.FINE, "retrying a reply to " + r.topic() + ": " + ar.cause());
        vertx.setTimer(RETRY_BACKOFF_MS, t -> attempt(r, done));
      } else {
        done.fail(ar.cause());
      }
    });
  }
}
