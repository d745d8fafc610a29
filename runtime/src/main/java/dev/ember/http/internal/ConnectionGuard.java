package dev.ember.http.internal;

import dev.ember.function.FunctionException;
import dev.ember.http.ConnectionOptions;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps slow or greedy clients from holding connections: the server's connection handler (closes a
 * client's connection beyond {@link ConnectionOptions#maxConnectionsPerClient()} at once, and a new
 * connection that has not sent a full request head within the header-read timeout) and a router
 * handler placed before the body handler (answers 408 and closes when the body has not arrived within
 * the body-read timeout; closes a connection left with no request in flight for the idle timeout).
 * Timers only; every callback runs on the connection's event loop.
 *
 * <pre>{@code
 * ConnectionGuard guard = new ConnectionGuard(vertx, options.connections());
 * server.connectionHandler(guard::connected); router.route().handler(guard);
 * }</pre>
 */
public final class ConnectionGuard implements Handler<RoutingContext> {
  private static final Logger LOG = Logger.getLogger(ConnectionGuard.class.getName());
  private final Vertx vertx;
  private final ConnectionOptions options;
  private final Map<String, AtomicInteger> perClient = new ConcurrentHashMap<>();
  private final Map<HttpConnection, Watch> watches = new ConcurrentHashMap<>();

  public ConnectionGuard(Vertx vertx, ConnectionOptions options) {
    this.vertx = vertx;
    this.options = options;
  }

  /** The server's connection handler. */
  public void connected(HttpConnection connection) {
    String client = connection.remoteAddress() == null ? "unknown" : connection.remoteAddress().hostAddress();
    AtomicInteger open = perClient.computeIfAbsent(client, c -> new AtomicInteger());
    if (open.incrementAndGet() > options.maxConnectionsPerClient()) {
      LOG.info(() -> "closing a connection from " + client + ": over " + options.maxConnectionsPerClient()
          + " connections from that address");
      release(client, open);
      connection.close();
      return;
    }
    Watch watch = new Watch(connection, client);
    watches.put(connection, watch);
    connection.closeHandler(v -> {
      watches.remove(connection);
      watch.cancelTimer();
      release(client, open);
    });
    watch.closeAfter(options.headerReadTimeout().toMillis());
  }

  private void release(String client, AtomicInteger open) {
    if (open.decrementAndGet() <= 0) {
      perClient.remove(client, open);
    }
  }

  /** Open connections of one client address (for tests and metrics). */
  public int connections(String clientAddress) {
    AtomicInteger open = perClient.get(clientAddress);
    return open == null ? 0 : Math.max(0, open.get());
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    Watch watch = watches.get(request.connection());
    if (watch != null) {
      watch.requestStarted();
      ctx.addEndHandler(v -> watch.requestEnded());
    }
    if (!request.isEnded()) {
      long bodyTimer = vertx.setTimer(options.bodyReadTimeout().toMillis(), t -> bodyTimedOut(ctx));
      ctx.addEndHandler(v -> vertx.cancelTimer(bodyTimer));
    }
    ctx.next();
  }

  private void bodyTimedOut(RoutingContext ctx) {
    if (ctx.request().isEnded() || ctx.response().ended()) {
      return;
    }
    LOG.info(() -> "closing a connection from " + ctx.request().remoteAddress() + ": the body of "
        + ctx.request().method() + " " + ctx.request().path() + " did not arrive within "
        + options.bodyReadTimeout().toMillis() + " ms");
    if (ctx.response().headWritten()) {
      ctx.request().connection().close();
      return;
    }
    if (ctx.request().version() != HttpVersion.HTTP_2) {
      ctx.response().putHeader("Connection", "close");
    }
    ctx.addEndHandler(v -> closeConnectionOf(ctx.request()));
    HttpErrors.send(ctx.response(), new FunctionException(408, "invalid_request_error", "request_timeout", null, null,
        "the request body did not arrive within " + options.bodyReadTimeout().toMillis() + " ms"));
  }

  private static void closeConnectionOf(HttpServerRequest request) {
    if (request.version() == HttpVersion.HTTP_2) {
      request.response().reset();
    } else {
      request.connection().close();
    }
  }

  /** One connection's timer: armed while no request is in flight on it. */
  private final class Watch {
    private final HttpConnection connection;
    private final String client;
    private int active;
    private int served;
    private long timer = -1;

    Watch(HttpConnection connection, String client) {
      this.connection = connection;
      this.client = client;
    }

    void requestStarted() {
      active++;
      served++;
      cancelTimer();
    }

    void requestEnded() {
      if (--active == 0) {
        closeAfter(options.idleTimeout().toMillis());
      }
    }

    void closeAfter(long millis) {
      cancelTimer();
      timer = vertx.setTimer(millis, t -> {
        timer = -1;
        if (active == 0) {
          Level level = served == 0 ? Level.INFO : Level.FINE;
          LOG.log(level, () -> "closing a connection from " + client + (served == 0
              ? ": no complete request head within " + millis + " ms" : ": idle for " + millis + " ms"));
          connection.close();
        }
      });
    }

    void cancelTimer() {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }
  }
}
