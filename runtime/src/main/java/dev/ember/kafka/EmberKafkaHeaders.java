package dev.ember.kafka;

import java.nio.ByteBuffer;

/**
 * Record header names of Ember's Kafka request/response protocol. Requests use Spring Kafka's
 * {@code ReplyingKafkaTemplate} names, so a Spring client works unchanged; replies add Ember's stream
 * markers; dead letters use Spring's {@code DeadLetterPublishingRecoverer} names.
 *
 * <pre>{@code record.headers().add(EmberKafkaHeaders.REPLY_TOPIC, "my-replies".getBytes(UTF_8)); }</pre>
 */
public final class EmberKafkaHeaders {
  /** Request and reply: opaque bytes chosen by the client; replies are keyed by it too. */
  public static final String CORRELATION_ID = "kafka_correlationId";
  /** Request: the topic to answer on (UTF-8). Without it the record goes to the dead-letter topic. */
  public static final String REPLY_TOPIC = "kafka_replyTopic";
  /** Request, optional: the reply partition, a 4-byte big-endian int. */
  public static final String REPLY_PARTITION = "kafka_replyPartition";
  /** Request, optional: the function to run when one topic serves several (else the body's model). */
  public static final String FUNCTION = "ember-function";
  /** Reply: position of a streamed chunk, decimal 0, 1, 2, ... */
  public static final String SEQ = "ember-seq";
  /** Reply: {@code true} on the last record of a request (the whole response, the usage record or an error). */
  public static final String FINAL = "ember-final";
  /** Reply: the HTTP status of an error reply, decimal; the value is OpenAI's error JSON. */
  public static final String ERROR = "ember-error";
  /** Reply: the cluster replica that served the request (absent outside a cluster). */
  public static final String REPLICA = "ember-replica";
  /** Dead letter: class of the reason. */
  public static final String DLT_EXCEPTION_FQCN = "kafka_dlt-exception-fqcn";
  /** Dead letter: the reason. */
  public static final String DLT_EXCEPTION_MESSAGE = "kafka_dlt-exception-message";
  /** Dead letter: the request's topic (UTF-8). */
  public static final String DLT_ORIGINAL_TOPIC = "kafka_dlt-original-topic";
  /** Dead letter: the request's partition, 4-byte big-endian int. */
  public static final String DLT_ORIGINAL_PARTITION = "kafka_dlt-original-partition";
  /** Dead letter: the request's offset, 8-byte big-endian long. */
  public static final String DLT_ORIGINAL_OFFSET = "kafka_dlt-original-offset";
  /** Suffix of the dead-letter topic: {@code <request topic>.DLT}. */
  public static final String DLT_SUFFIX = ".DLT";

  private EmberKafkaHeaders() {}

  public static byte[] intBytes(int v) {
    return ByteBuffer.allocate(4).putInt(v).array();
  }

  public static byte[] longBytes(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }
}
