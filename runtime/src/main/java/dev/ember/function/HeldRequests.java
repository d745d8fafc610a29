package dev.ember.function;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Requests that arrived while their function was COLD or WARMING, held until it is WARM (Knative's
 * activator): bounded in number ({@code maxHeldRequests}, beyond which callers get 429) and in time
 * ({@code maxHoldTime}, after which a held request gets 503), both with Retry-After.
 *
 * <p>The hold is a gate: {@link #release()} opens it (the function is WARM) and runs what it held, and
 * from then on {@link #hold} runs each request at once, under the same lock, until {@link #shut()}: a
 * request that saw the function cold just before the release cannot miss it.
 *
 * <pre>{@code
 * Future<Submission> f = held.hold(() -> submitNow(request, sink));  // runs the supplier once WARM
 * held.release();   // warm-up done: run every held request in arrival order, and later ones at once
 * held.shut();      // leaving WARM: hold later requests again
 * held.failAll(e);  // warm-up failed: fail them with e
 * }</pre>
 */
final class HeldRequests {
  private final Vertx vertx;
  private final String function;
  private final int maxHeld;
  private final long maxHoldMillis;
  private final ArrayDeque<Held> queue = new ArrayDeque<>();
  private boolean open;

  private static final class Held {
    final Supplier<Future<FunctionEndpoint.Submission>> action;
    final Promise<FunctionEndpoint.Submission> promise = Promise.promise();
    long timer = -1;

    Held(Supplier<Future<FunctionEndpoint.Submission>> action) {
      this.action = action;
    }
  }

  HeldRequests(Vertx vertx, String function, int maxHeld, java.time.Duration maxHoldTime) {
    this.vertx = vertx;
    this.function = function;
    this.maxHeld = maxHeld;
    this.maxHoldMillis = Math.max(1, maxHoldTime.toMillis());
  }

  /**
   * Holds a request, or runs it at once when the gate is open (released and not shut since); fails at
   * once with 429 when the hold queue is full.
   */
  Future<FunctionEndpoint.Submission> hold(Supplier<Future<FunctionEndpoint.Submission>> action) {
    synchronized (this) {
      if (!open) {
        return enqueue(action);
      }
    }
    return action.get();
  }

  private Future<FunctionEndpoint.Submission> enqueue(Supplier<Future<FunctionEndpoint.Submission>> action) {
    if (queue.size() >= maxHeld) {
      return Future.failedFuture(new FunctionException(429, "rate_limit_error", "too_many_held_requests", null,
          retryAfterSeconds(), "function '" + function + "' is warming up and already holds " + maxHeld
              + " requests; retry later"));
    }
    Held h = new Held(action);
    queue.add(h);
    h.timer = vertx.setTimer(maxHoldMillis, id -> expire(h));
    return h.promise.future();
  }

  private void expire(Held h) {
    synchronized (this) {
      if (!queue.remove(h)) {
        return;
      }
    }
    h.promise.tryFail(FunctionException.unavailable(function, "still warming up after " + maxHoldMillis + " ms",
        retryAfterSeconds()));
  }

  /** Opens the gate now that the function is WARM: runs every held request (in arrival order), and later ones at once. */
  void release() {
    List<Held> all;
    synchronized (this) {
      open = true;
      all = drain();
    }
    for (Held h : all) {
      h.action.get().onComplete(h.promise);
    }
  }

  /** Shuts the gate (the function leaves WARM): later requests are held again. */
  synchronized void shut() {
    open = false;
  }

  /** Fails every held request (the warm-up failed). */
  void failAll(Throwable cause) {
    for (Held h : drain()) {
      h.promise.tryFail(cause);
    }
  }

  synchronized int size() {
    return queue.size();
  }

  private synchronized List<Held> drain() {
    List<Held> all = new ArrayList<>(queue);
    queue.clear();
    for (Held h : all) {
      vertx.cancelTimer(h.timer);
    }
    return all;
  }

  private int retryAfterSeconds() {
    return (int) Math.max(1, Math.min(60, maxHoldMillis / 1000));
  }
}
