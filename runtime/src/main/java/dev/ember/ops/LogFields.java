package dev.ember.ops;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Ordered key/value pairs attached to a log record as its single parameter; {@link KeyValueFormatter}
 * prints them after the message as {@code key=value}.
 *
 * <pre>{@code
 * LogRecord r = new LogRecord(Level.INFO, "request");
 * r.setParameters(new Object[] {LogFields.of("request_id", id, "status", 200)});
 * }</pre>
 */
public final class LogFields {
  private final List<String> keys;
  private final List<Object> values;

  private LogFields(List<String> keys, List<Object> values) {
    this.keys = Collections.unmodifiableList(keys);
    this.values = Collections.unmodifiableList(values);
  }

  /** Pairs given as key1, value1, key2, value2, ...; keys must be strings, values may be null. */
  public static LogFields of(Object... keyValues) {
    if (keyValues.length % 2 != 0) {
      throw new IllegalArgumentException("expected key/value pairs, got " + keyValues.length + " arguments");
    }
    List<String> keys = new ArrayList<>(keyValues.length / 2);
    List<Object> values = new ArrayList<>(keyValues.length / 2);
    for (int i = 0; i < keyValues.length; i += 2) {
      keys.add((String) keyValues[i]);
      values.add(keyValues[i + 1]);
    }
    return new LogFields(keys, values);
  }

  public int size() {
    return keys.size();
  }

  public String key(int i) {
    return keys.get(i);
  }

  public Object value(int i) {
    return values.get(i);
  }
}
