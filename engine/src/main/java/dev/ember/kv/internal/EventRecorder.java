package dev.ember.kv.internal;

import dev.ember.kv.KvEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Collects one step's cache events in order, merging consecutive removals into one
 * {@link KvEvent.BlockRemoved}. Disabled (recording nothing, allocating nothing) while no one
 * listens.
 *
 * <pre>{@code
 * recorder.setEnabled(true); recorder.removed(key); List<KvEvent> step = recorder.drain();
 * }</pre>
 */
public final class EventRecorder {

  private final List<KvEvent> events = new ArrayList<>();
  private long[] removed = new long[16];
  private int numRemoved;
  private boolean enabled;

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
    if (!enabled) {
      events.clear();
      numRemoved = 0;
    }
  }

  public boolean enabled() {
    return enabled;
  }

  public void removed(long key) {
    if (!enabled) {
      return;
    }
    if (numRemoved == removed.length) {
      removed = Arrays.copyOf(removed, numRemoved * 2);
    }
    removed[numRemoved++] = key;
  }

  public void add(KvEvent event) {
    if (enabled) {
      closeRemovals();
      events.add(event);
    }
  }

  /** The events since the last drain, oldest first; empty when there were none. */
  public List<KvEvent> drain() {
    closeRemovals();
    if (events.isEmpty()) {
      return List.of();
    }
    List<KvEvent> out = List.copyOf(events);
    events.clear();
    return out;
  }

  private void closeRemovals() {
    if (numRemoved > 0) {
      events.add(new KvEvent.BlockRemoved(Arrays.copyOf(removed, numRemoved)));
      numRemoved = 0;
    }
  }
}
