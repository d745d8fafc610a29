package dev.ember.function;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Scheduled prewarms driven by an injected clock: no waiting for real minutes. */
class PrewarmScheduleTest {
  static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  Vertx vertx;

  /** A wall clock the test moves. */
  static final class MovableClock extends Clock {
    volatile Instant now;

    MovableClock(Instant start) {
      now = start;
    }

    @Override
    public ZoneId getZone() {
      return BERLIN;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  static Instant local(String t) {
    return ZonedDateTime.of(java.time.LocalDateTime.parse(t), BERLIN).toInstant();
  }

  @Test
  void firesAtTheScheduledTimeAndPlansTheNextOne() {
    MovableClock clock = new MovableClock(local("2026-11-23T08:50"));
    AtomicInteger fired = new AtomicInteger();
    PrewarmScheduler s = new PrewarmScheduler(vertx, List.of(CronExpression.parse("55 8 * * MON-FRI")), BERLIN, clock,
        fired::incrementAndGet);
    s.start();
    assertEquals(local("2026-11-23T08:55"), s.nextFire().toInstant());
    clock.now = local("2026-11-23T08:54");
    s.tick();
    assertEquals(0, fired.get(), "not yet");
    clock.now = local("2026-11-23T08:55");
    s.tick();
    assertEquals(1, fired.get());
    assertEquals(local("2026-11-24T08:55"), s.nextFire().toInstant());
    s.close();
  }

  @Test
  void aScheduledPrewarmWarmsTheFunctionAndKeepsItWarm() throws Exception {
    MovableClock wall = new MovableClock(local("2026-11-23T08:50"));
    long[] nanos = {1_000_000_000L};
    FunctionManifest base = FunctionManifest.of("demo", FunctionManifest.ModelSpec.EMBEDDED_DEMO, null);
    FunctionManifest m = new FunctionManifest(base.name(), base.model(), base.device(), base.engine(), base.limits(),
        new FunctionManifest.Scaling(0, Duration.ofMinutes(5), 100, Duration.ofSeconds(60)),
        new FunctionManifest.Prewarm(false, List.of("55 8 * * MON-FRI"), "Europe/Berlin", List.of(), List.of(),
            Duration.ofHours(1)),
        base.kafka());
    FunctionInstance f = new FunctionInstance(vertx, m, ServingMetrics.NOOP, () -> nanos[0], wall);
    assertEquals(FunctionState.COLD, f.state());
    wall.now = local("2026-11-23T08:55");
    f.schedule().tick();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (f.state() != FunctionState.WARM && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertEquals(FunctionState.WARM, f.state());
    nanos[0] += Duration.ofMinutes(30).toNanos();
    f.checkIdle();
    assertEquals(FunctionState.WARM, f.state(), "keepWarmFor 1h outlasts the 5 min idle timeout");
    f.retire(Duration.ofSeconds(5)).await(30, TimeUnit.SECONDS);
    assertEquals(FunctionState.COLD, f.state());
  }
}
