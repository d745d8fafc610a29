package dev.ember.function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The hold gate: requests that see the function cold around the moment it turns WARM are never stranded. */
class HeldRequestsTest {
  Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private static Future<FunctionEndpoint.Submission> submitted(AtomicInteger runs) {
    runs.incrementAndGet();
    return Future.succeededFuture(new FunctionEndpoint.Submission(3, null));
  }

  @Test
  void aRequestThatSawTheFunctionColdJustBeforeTheReleaseRunsAtOnce() {
    // maxHoldTime is an hour: a request that missed the release would only end with a 503 then.
    HeldRequests held = new HeldRequests(vertx, "f", 4, Duration.ofHours(1));
    AtomicInteger runs = new AtomicInteger();
    Future<FunctionEndpoint.Submission> early = held.hold(() -> submitted(runs));
    assertFalse(early.isComplete(), "held while warming");
    held.release();
    assertTrue(early.succeeded());
    // The late request read COLD before the release, and reaches the hold only now.
    Future<FunctionEndpoint.Submission> late = held.hold(() -> submitted(runs));
    assertTrue(late.succeeded(), "the late request runs at once instead of waiting for maxHoldTime");
    assertEquals(2, runs.get());
    assertEquals(0, held.size());
  }

  @Test
  void afterShutRequestsAreHeldAgainUntilTheNextRelease() {
    HeldRequests held = new HeldRequests(vertx, "f", 4, Duration.ofHours(1));
    AtomicInteger runs = new AtomicInteger();
    held.release();
    held.shut();
    Future<FunctionEndpoint.Submission> f = held.hold(() -> submitted(runs));
    assertFalse(f.isComplete());
    assertEquals(1, held.size());
    held.release();
    assertTrue(f.succeeded());
    assertEquals(1, runs.get());
  }

  @Test
  void aFailedWarmUpFailsTheHeldRequestsAndKeepsHoldingLaterOnes() {
    HeldRequests held = new HeldRequests(vertx, "f", 4, Duration.ofHours(1));
    AtomicInteger runs = new AtomicInteger();
    Future<FunctionEndpoint.Submission> first = held.hold(() -> submitted(runs));
    held.failAll(FunctionException.unavailable("f", "failed to load: broken", 1));
    assertTrue(first.failed());
    assertEquals(503, ((FunctionException) first.cause()).status());
    Future<FunctionEndpoint.Submission> next = held.hold(() -> submitted(runs));
    assertFalse(next.isComplete(), "held for the next warm-up");
    assertEquals(0, runs.get());
  }
}
