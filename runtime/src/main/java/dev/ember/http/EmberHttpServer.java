package dev.ember.http;

import dev.ember.function.FunctionException;
import dev.ember.function.FunctionGateway;
import dev.ember.http.internal.AccessLog;
import dev.ember.http.internal.ApiKeyCheck;
import dev.ember.http.internal.ConnectionGuard;
import dev.ember.http.internal.HttpErrors;
import dev.ember.http.internal.InFlightRequests;
import dev.ember.http.internal.MethodNotAllowed;
import dev.ember.http.internal.OpenAiRoutes;
import dev.ember.http.internal.TokenizeRoutes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;

/**
 * Ember's HTTP server: one router holding, in order, the access log, the connection guard (header,
 * body and idle timeouts, connections per client), the in-flight counter (503 once shutting down),
 * the body handler (413 over the limit), the API-key check on {@code /v1/*}, {@code /tokenize},
 * {@code /detokenize} and {@code /functions/{name}/invoke}, the OpenAI routes, the extra route contributors
 * (those requiring a key sit behind the check), a JSON 404 (405 with Allow when the path exists for
 * other methods), and a failure handler answering every
 * error in OpenAI's shape.
 *
 * <pre>{@code
 * EmberHttpServer server = EmberHttpServer.start(vertx, gateway, HttpOptions.defaults(), List.of(health)).await();
 * server.stopAccepting(); server.drained().compose(v -> server.close());
 * }</pre>
 */
public final class EmberHttpServer {
  private final HttpServer server;
  private final InFlightRequests inFlight;

  private EmberHttpServer(HttpServer server, InFlightRequests inFlight) {
    this.server = server;
    this.inFlight = inFlight;
  }

  /** Builds the router and listens on {@code options.host():options.port()} (port 0 picks a free one). */
  public static Future<EmberHttpServer> start(Vertx vertx, FunctionGateway gateway, HttpOptions options,
      List<RouteContributor> extra) {
    InFlightRequests inFlight = new InFlightRequests();
    ConnectionGuard guard = new ConnectionGuard(vertx, options.connections());
    Router router = router(vertx, gateway, options, extra, inFlight, guard);
    return vertx.createHttpServer(new HttpServerOptions().setHost(options.host()).setPort(options.port())
            .setHttp2ClearTextEnabled(options.connections().http2ClearText()))
        .connectionHandler(guard::connected)
        .invalidRequestHandler(HttpErrors::invalidRequest)
        .requestHandler(router)
        .listen()
        .map(s -> new EmberHttpServer(s, inFlight));
  }

  /**
   * A second server for routes kept off the public port (the admin API with {@code --admin-port}): access
   * log, the same connection guard (timeouts, connections per client), in-flight counter, body limit, the
   * routes (which guard themselves), a JSON 404 and the same OpenAI-shaped errors.
   */
  public static Future<EmberHttpServer> startSeparate(Vertx vertx, String host, int port, long bodyLimitBytes,
      ConnectionOptions connections, List<RouteContributor> routes) {
    InFlightRequests inFlight = new InFlightRequests();
    ConnectionGuard guard = new ConnectionGuard(vertx, connections);
    Router router = Router.router(vertx);
    router.route().handler(new AccessLog());
    router.route().handler(guard);
    router.route().handler(inFlight);
    router.route().handler(BodyHandler.create(false).setBodyLimit(bodyLimitBytes));
    routes.forEach(r -> r.mount(router));
    router.route().handler(ctx -> HttpErrors.send(ctx.response(), HttpErrors.forStatus(404, ctx)));
    router.route().failureHandler(ctx -> failure(ctx, bodyLimitBytes));
    return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)
            .setHttp2ClearTextEnabled(connections.http2ClearText()))
        .connectionHandler(guard::connected)
        .invalidRequestHandler(HttpErrors::invalidRequest)
        .requestHandler(router)
        .listen()
        .map(s -> new EmberHttpServer(s, inFlight));
  }

  private static Router router(Vertx vertx, FunctionGateway gateway, HttpOptions options, List<RouteContributor> extra,
      InFlightRequests inFlight, ConnectionGuard guard) {
    Router router = Router.router(vertx);
    router.route().handler(new AccessLog());
    router.route().handler(guard);
    router.route().handler(inFlight);
    router.route().handler(BodyHandler.create(false).setBodyLimit(options.bodyLimitBytes()));
    ApiKeyCheck keyCheck = new ApiKeyCheck(options.apiKeys());
    // The admin API (/functions) checks its own keys (AdminRoutes); invoking a function is inference.
    for (String path : List.of("/v1/*", "/tokenize", "/detokenize", "/functions/:name/invoke")) {
      router.route(path).handler(keyCheck);
    }
    new OpenAiRoutes(gateway).mount(router);
    new TokenizeRoutes(gateway).mount(router);
    Router guarded = null;
    for (RouteContributor c : extra) {
      if (c.requiresApiKey() && !options.apiKeys().isEmpty()) {
        if (guarded == null) {
          guarded = Router.router(vertx);
          guarded.route().handler(keyCheck);
        }
        c.mount(guarded);
      } else {
        c.mount(router);
      }
    }
    if (guarded != null) {
      router.route("/*").subRouter(guarded);
    }
    router.route().handler(MethodNotAllowed.of(guarded == null ? List.of(router) : List.of(router, guarded)));
    router.route().failureHandler(ctx -> failure(ctx, options.bodyLimitBytes()));
    return router;
  }

  private static void failure(RoutingContext ctx, long bodyLimitBytes) {
    if (ctx.failure() != null) {
      HttpErrors.send(ctx, ctx.failure());
    } else if (ctx.statusCode() == 413) {
      HttpErrors.send(ctx.response(), new FunctionException(413, "invalid_request_error", "request_too_large", null,
          null, "the request body is larger than the server's limit of " + bodyLimitBytes + " bytes"));
    } else {
      HttpErrors.send(ctx.response(), HttpErrors.forStatus(ctx.statusCode() < 0 ? 500 : ctx.statusCode(), ctx));
    }
  }

  /** The port the server listens on (the chosen one when started with port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /** From now on new requests get 503 "shutting down"; requests already in flight go on. */
  public void stopAccepting() {
    inFlight.stopAccepting();
  }

  /** Requests whose response has not ended yet. */
  public int inFlightRequests() {
    return inFlight.count();
  }

  /** Completes once {@link #stopAccepting()} was called and no request is in flight. */
  public Future<Void> drained() {
    return inFlight.drained();
  }

  /** Stops listening and closes open connections. */
  public Future<Void> close() {
    return server.close();
  }
}
