package dev.ember.kv;

import java.util.List;

/**
 * The cache events of one engine step, in the order they happened.
 *
 * @param sequence per-manager batch number, starting at 0 and increasing by one per batch
 * @param timestampMillis wall-clock time the batch was flushed
 */
public record KvEventBatch(long sequence, long timestampMillis, List<KvEvent> events) {

  public KvEventBatch {
    events = List.copyOf(events);
  }
}
