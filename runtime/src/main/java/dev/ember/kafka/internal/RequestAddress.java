package dev.ember.kafka.internal;

import dev.ember.kafka.EmberKafkaHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import io.vertx.kafka.client.producer.KafkaHeader;

/**
 * Where and how to answer one request record, read from its headers.
 *
 * <pre>{@code RequestAddress a = RequestAddress.of(record.headers()); // or UnanswerableRecordException }</pre>
 *
 * @param replyPartition the partition to answer on, or null for the key's partition
 * @param function the {@code ember-function} header, or null
 */
public record RequestAddress(byte[] correlationId, String replyTopic, Integer replyPartition, String function) {

  /** The correlation id as text, for logs. */
  public String correlationKey() {
    return HexFormat.of().formatHex(correlationId);
  }

  /**
   * What identifies a request for dedupe: the reply topic and the correlation id together, so a different
   * client reusing a correlation id on its own reply topic makes a new request. The topic's length comes
   * first, so no topic name can run into the id.
   */
  public String dedupeKey() {
    return replyTopic.length() + ":" + replyTopic + "/" + correlationKey();
  }

  /** Reads the headers; the last value of a repeated header wins (as Spring reads them). */
  public static RequestAddress of(List<KafkaHeader> headers) {
    byte[] correlation = null;
    byte[] topic = null;
    byte[] partition = null;
    byte[] function = null;
    for (KafkaHeader h : headers) {
      byte[] v = h.value() == null ? null : h.value().getBytes();
      switch (h.key()) {
        case EmberKafkaHeaders.CORRELATION_ID -> correlation = v;
        case EmberKafkaHeaders.REPLY_TOPIC -> topic = v;
        case EmberKafkaHeaders.REPLY_PARTITION -> partition = v;
        case EmberKafkaHeaders.FUNCTION -> function = v;
        default -> { }
      }
    }
    if (topic == null || topic.length == 0) {
      throw new UnanswerableRecordException("the request has no " + EmberKafkaHeaders.REPLY_TOPIC + " header");
    }
    if (correlation == null || correlation.length == 0) {
      throw new UnanswerableRecordException("the request has no " + EmberKafkaHeaders.CORRELATION_ID + " header");
    }
    Integer replyPartition = null;
    if (partition != null) {
      if (partition.length != 4) {
        throw new UnanswerableRecordException(EmberKafkaHeaders.REPLY_PARTITION + " must be a 4-byte big-endian int, got "
            + partition.length + " bytes");
      }
      replyPartition = ByteBuffer.wrap(partition).getInt();
      if (replyPartition < 0) {
        throw new UnanswerableRecordException(EmberKafkaHeaders.REPLY_PARTITION + " is negative: " + replyPartition);
      }
    }
    return new RequestAddress(correlation, utf8(topic, EmberKafkaHeaders.REPLY_TOPIC), replyPartition,
        function == null ? null : utf8(function, EmberKafkaHeaders.FUNCTION));
  }

  private static String utf8(byte[] bytes, String header) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new UnanswerableRecordException(header + " is not UTF-8");
    }
  }
}
