package dev.ember.cluster.internal;

import dev.ember.engine.RequestHandle;
import dev.ember.function.FunctionException;
import dev.ember.function.FunctionPool;
import dev.ember.function.FunctionRegistry;
import dev.ember.function.InferenceRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.logging.Logger;

/**
 * The endpoint peers forward requests to ({@code POST /forward}): runs the request on this replica's own
 * engine, never routing it again, and streams the outputs back as {@link ForwardCodec} frames after an
 * accepted frame (the request's work counts in {@link QueuedWork} from its admission); a refusal (400,
 * 404, 429, 503) is the error as JSON with that status. A peer that hangs up cancels the request. It
 * listens on the cluster address, apart from the public API.
 *
 * <pre>{@code ForwardServer.start(vertx, registry, work, "10.0.0.2").onSuccess(s -> announce(s.address())); }</pre>
 */
public final class ForwardServer {
  private static final Logger LOG = Logger.getLogger(ForwardServer.class.getName());
  public static final String PATH = "/forward";
  private final HttpServer server;
  private final String host;
  private final InFlight inFlight;

  /** Forwarded requests still answering, and who waits for there to be none. */
  private static final class InFlight {
    private int count;
    private final java.util.List<io.vertx.core.Promise<Void>> waiting = new java.util.ArrayList<>();

    synchronized void started() {
      count++;
    }

    void ended() {
      java.util.List<io.vertx.core.Promise<Void>> done;
      synchronized (this) {
        if (--count > 0) {
          return;
        }
        done = java.util.List.copyOf(waiting);
        waiting.clear();
      }
      done.forEach(io.vertx.core.Promise::tryComplete);
    }

    synchronized Future<Void> drained() {
      if (count == 0) {
        return Future.succeededFuture();
      }
      io.vertx.core.Promise<Void> p = io.vertx.core.Promise.promise();
      waiting.add(p);
      return p.future();
    }
  }

  private ForwardServer(HttpServer server, String host, InFlight inFlight) {
    this.server = server;
    this.host = host;
    this.inFlight = inFlight;
  }

  public static Future<ForwardServer> start(Vertx vertx, FunctionRegistry registry, QueuedWork work, String host) {
    HttpServer server = vertx.createHttpServer();
    InFlight inFlight = new InFlight();
    server.requestHandler(req -> {
      inFlight.started();
      boolean[] counted = {false};
      Runnable ended = () -> {
        if (!counted[0]) {
          counted[0] = true;
          inFlight.ended();
        }
      };
      req.response().endHandler(v -> ended.run());
      handle(registry, work, req, ended);
    });
    return server.listen(0, host).map(s -> new ForwardServer(s, host, inFlight));
  }

  /** Completes when no forwarded request is being answered. */
  public Future<Void> drained() {
    return inFlight.drained();
  }

  /** host:port peers reach this endpoint at. */
  public String address() {
    return host + ":" + server.actualPort();
  }

  public Future<Void> close() {
    return server.close();
  }

  private static void handle(FunctionRegistry registry, QueuedWork work, HttpServerRequest req, Runnable ended) {
    HttpServerResponse response = req.response();
    response.closeHandler(v -> ended.run());
    if (!PATH.equals(req.path())) {
      response.setStatusCode(404).end();
      return;
    }
    req.body().onSuccess(body -> {
      InferenceRequest request;
      try {
        request = ForwardCodec.decodeRequest(body);
      } catch (RuntimeException e) {
        refuse(response, FunctionException.invalid(null, "bad forwarded request: " + e.getMessage()));
        return;
      }
      FunctionPool local = registry.instance(request.function()).orElse(null);
      if (local == null) {
        refuse(response, FunctionException.notFound(request.function()));
        return;
      }
      RequestHandle[] handle = new RequestHandle[1];
      boolean[] finished = new boolean[1];
      response.closeHandler(v -> {
        ended.run();
        if (!finished[0] && handle[0] != null) {
          LOG.fine(() -> "forwarding peer went away; cancelling " + request.requestId());
          handle[0].cancel();
        }
      });
      work.submit(local, request, out -> {
        if (finished[0] || response.closed()) {
          return;
        }
        if (out.requestFinished()) {
          finished[0] = true;
          response.end(ForwardCodec.encodeOutput(out));
        } else {
          response.write(ForwardCodec.encodeOutput(out));
        }
      }).onSuccess(s -> {
        handle[0] = s.handle();
        if (response.closed()) {
          s.handle().cancel();
          return;
        }
        response.setChunked(true).putHeader("Content-Type", "application/octet-stream");
        response.write(ForwardCodec.accepted(s.promptTokens()));
      }).onFailure(e -> refuse(response, e instanceof FunctionException fe ? fe
          : new FunctionException(500, "internal_error", null, null, null, String.valueOf(e.getMessage()))));
    });
  }

  private static void refuse(HttpServerResponse response, FunctionException e) {
    if (!response.headWritten()) {
      response.setStatusCode(e.status()).putHeader("Content-Type", "application/json").end(ForwardCodec.encodeError(e));
    }
  }
}
