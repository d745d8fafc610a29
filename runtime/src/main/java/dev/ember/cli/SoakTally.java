package dev.ember.cli;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a soak run counted: requests sent, how each was answered (by kind: {@code chat 200},
 * {@code invalid 400}, {@code aborted}, ...), and requests that got no complete answer (lost: a
 * transport error, a timeout, or a stream cut before {@code [DONE]}). Thread-safe.
 *
 * <pre>{@code tally.sent(); tally.answered("chat 200"); tally.lost("stream without [DONE]"); }</pre>
 */
final class SoakTally {
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong answered = new AtomicLong();
  private final AtomicLong lost = new AtomicLong();
  private final AtomicLong serverErrors = new AtomicLong();
  private final AtomicLong unexpected = new AtomicLong();
  private final Map<String, AtomicLong> byKind = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> lostByKind = new ConcurrentHashMap<>();

  void sent() {
    sent.incrementAndGet();
  }

  /** One answer of this kind; {@code expected} says whether the answer is the one the request should get. */
  void answered(String kind, int status, boolean expected) {
    answered.incrementAndGet();
    if (status >= 500 && status != 503 && status != 507) {
      serverErrors.incrementAndGet();
    }
    if (!expected) {
      unexpected.incrementAndGet();
    }
    byKind.computeIfAbsent(kind + " " + status, k -> new AtomicLong()).incrementAndGet();
  }

  void lost(String why) {
    lost.incrementAndGet();
    lostByKind.computeIfAbsent(why, k -> new AtomicLong()).incrementAndGet();
  }

  long sentCount() {
    return sent.get();
  }

  long answeredCount() {
    return answered.get();
  }

  long lostCount() {
    return lost.get();
  }

  long serverErrorCount() {
    return serverErrors.get();
  }

  long unexpectedCount() {
    return unexpected.get();
  }

  Map<String, Long> answersByKind() {
    return snapshot(byKind);
  }

  Map<String, Long> lostByKind() {
    return snapshot(lostByKind);
  }

  private static Map<String, Long> snapshot(Map<String, AtomicLong> m) {
    Map<String, Long> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }
}
