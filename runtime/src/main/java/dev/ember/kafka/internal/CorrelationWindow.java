package dev.ember.kafka.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Requests (keyed by reply topic and correlation id) this door is answering or has answered recently, so that a redelivered request is
 * neither run twice while in flight nor run again once its final reply is acknowledged. Finished ids
 * expire after a TTL, and the oldest finished ones are dropped beyond a capacity. Event-loop confined.
 *
 * <pre>{@code
 * switch (window.claim(id, now, onDone)) { case NEW -> run(); case IN_FLIGHT -> wait; case ANSWERED -> skip; }
 * }</pre>
 */
public final class CorrelationWindow {
  /** What {@link #claim} found. */
  public enum Claim { NEW, IN_FLIGHT, ANSWERED }

  /** A redelivery of a request in flight, told how the run it waited on ended. */
  @FunctionalInterface
  public interface Waiter {
    /** {@code answered}: the final reply was acknowledged; otherwise the request must be run again. */
    void done(boolean answered);
  }

  private static final class Entry {
    long answeredAt = -1;
    List<Waiter> onDone;
  }

  private final long ttlNanos;
  private final int capacity;
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

  public CorrelationWindow(long ttlNanos, int capacity) {
    this.ttlNanos = ttlNanos;
    this.capacity = capacity;
  }

  /**
   * Claims {@code id} for a new run (NEW); when it is already running, {@code whenDone} runs once it ends
   * (IN_FLIGHT), and when it was answered within the TTL nothing runs (ANSWERED).
   */
  public Claim claim(String id, long nowNanos, Waiter whenDone) {
    expire(nowNanos);
    Entry e = entries.get(id);
    if (e == null) {
      entries.put(id, new Entry());
      return Claim.NEW;
    }
    if (e.answeredAt >= 0) {
      return Claim.ANSWERED;
    }
    if (e.onDone == null) {
      e.onDone = new ArrayList<>(1);
    }
    e.onDone.add(whenDone);
    return Claim.IN_FLIGHT;
  }

  /** The final reply of {@code id} was acknowledged: remember it, and release redeliveries waiting on it. */
  public void answered(String id, long nowNanos) {
    Entry e = entries.remove(id);
    Entry done = new Entry();
    done.answeredAt = nowNanos;
    entries.put(id, done);
    runWaiters(e, true);
    expire(nowNanos);
  }

  /** The run of {@code id} ended without an acknowledged reply: forget it, so a redelivery runs it again. */
  public void abandoned(String id) {
    runWaiters(entries.remove(id), false);
  }

  public int size() {
    return entries.size();
  }

  private static void runWaiters(Entry e, boolean answered) {
    if (e != null && e.onDone != null) {
      e.onDone.forEach(w -> w.done(answered));
    }
  }

  private void expire(long nowNanos) {
    Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
    int excess = entries.size() - capacity;
    while (it.hasNext()) {
      Entry e = it.next().getValue();
      if (e.answeredAt < 0) {
        continue;
      }
      if (excess > 0 || nowNanos - e.answeredAt > ttlNanos) {
        it.remove();
        excess--;
      } else {
        break;
      }
    }
  }
}
