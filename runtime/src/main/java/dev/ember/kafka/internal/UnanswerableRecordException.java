package dev.ember.kafka.internal;

/** A request record with no usable reply address: it goes to the dead-letter topic with this reason. */
public final class UnanswerableRecordException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UnanswerableRecordException(String message) {
    super(message);
  }
}
