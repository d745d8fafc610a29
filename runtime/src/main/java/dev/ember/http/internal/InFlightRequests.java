package dev.ember.http.internal;

import dev.ember.function.FunctionException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The first handler of every request: counts requests until their response ends (or their connection
 * closes), and after {@link #stopAccepting()} answers new ones 503 "shutting down" so a graceful
 * shutdown can wait on {@link #drained()}.
 *
 * <pre>{@code inFlight.stopAccepting(); inFlight.drained().onComplete(v -> server.close()); }</pre>
 */
public final class InFlightRequests implements Handler<RoutingContext> {
  private final AtomicInteger count = new AtomicInteger();
  private final Promise<Void> drained = Promise.promise();
  private volatile boolean accepting = true;

  @Override
  public void handle(RoutingContext ctx) {
    if (!accepting) {
      if (ctx.request().version() != io.vertx.core.http.HttpVersion.HTTP_2) {
        ctx.response().putHeader("Connection", "close");  // connection-specific headers are illegal in HTTP/2
      }
      HttpErrors.send(ctx.response(), new FunctionException(503, "service_unavailable",
          "shutting_down", null, null, "the server is shutting down"));
      return;
    }
    count.incrementAndGet();
    ctx.addEndHandler(v -> {
      if (count.decrementAndGet() == 0 && !accepting) {
        drained.tryComplete();
      }
    });
    ctx.next();
  }

  /** Requests whose response has not ended yet. */
  public int count() {
    return count.get();
  }

  /** Answers every new request 503 from now on. */
  public void stopAccepting() {
    accepting = false;
    if (count.get() == 0) {
      drained.tryComplete();
    }
  }

  public boolean accepting() {
    return accepting;
  }

  /** Completes once accepting stopped and no request is in flight. */
  public Future<Void> drained() {
    return drained.future();
  }
}
