package dev.ember.function;

import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;

/**
 * Fires a function's prewarm at the times its manifest's {@code prewarm.schedule} names (cron or HH:MM in
 * {@code prewarm.zone}), e.g. weekdays 08:55 ahead of known traffic. Time comes from an injectable
 * {@link Clock}; a Vert.x timer wakes it at most an hour ahead, so clock jumps are caught up.
 *
 * <pre>{@code new PrewarmScheduler(vertx, entries, zone, Clock.systemUTC(), instance::prewarm).start(); }</pre>
 */
final class PrewarmScheduler implements AutoCloseable {
  /** Longest timer: the next fire time is re-evaluated at least this often. */
  static final Duration MAX_SLEEP = Duration.ofHours(1);

  private final Vertx vertx;
  private final List<CronExpression> entries;
  private final ZoneId zone;
  private final Clock clock;
  private final Runnable fire;
  private ZonedDateTime nextFire;
  private long timer = -1;
  private boolean closed;

  PrewarmScheduler(Vertx vertx, List<CronExpression> entries, ZoneId zone, Clock clock, Runnable fire) {
    this.vertx = vertx;
    this.entries = List.copyOf(entries);
    this.zone = zone;
    this.clock = clock;
    this.fire = fire;
  }

  static PrewarmScheduler of(Vertx vertx, FunctionManifest.Prewarm prewarm, Clock clock, Runnable fire) {
    return new PrewarmScheduler(vertx, prewarm.schedule().stream().map(CronExpression::parse).toList(),
        ZoneId.of(prewarm.zone()), clock, fire);
  }

  synchronized void start() {
    nextFire = earliestAfter(now());
    arm();
  }

  /** The next prewarm time, or null when there is none. */
  synchronized ZonedDateTime nextFire() {
    return nextFire;
  }

  /** Fires when the next prewarm time has come, then plans the one after (the timer calls this). */
  void tick() {
    boolean due;
    synchronized (this) {
      if (closed || nextFire == null) {
        return;
      }
      ZonedDateTime now = now();
      due = !now.isBefore(nextFire);
      if (due) {
        nextFire = earliestAfter(now);
      }
      arm();
    }
    if (due) {
      fire.run();
    }
  }

  private ZonedDateTime now() {
    return ZonedDateTime.now(clock).withZoneSameInstant(zone);
  }

  private ZonedDateTime earliestAfter(ZonedDateTime t) {
    ZonedDateTime best = null;
    for (CronExpression e : entries) {
      ZonedDateTime n = e.next(t);
      if (n != null && (best == null || n.isBefore(best))) {
        best = n;
      }
    }
    return best;
  }

  private void arm() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    if (closed || nextFire == null) {
      return;
    }
    long millis = Duration.between(now(), nextFire).toMillis();
    timer = vertx.setTimer(Math.max(1, Math.min(MAX_SLEEP.toMillis(), millis)), id -> tick());
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }
}
