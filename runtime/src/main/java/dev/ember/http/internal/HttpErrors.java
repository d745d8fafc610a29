package dev.ember.http.internal;

import dev.ember.function.FunctionException;
import dev.ember.openai.OpenAiErrors;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * Writes OpenAI-shaped error responses over HTTP ({@link OpenAiErrors} builds the bodies and maps
 * failures) and names the errors of bare HTTP statuses and requests the HTTP decoder rejected.
 *
 * <pre>{@code HttpErrors.send(ctx, FunctionException.invalid("n", "n must be >= 1")); }</pre>
 */
public final class HttpErrors {
  private HttpErrors() {}

  /** The error for a bare HTTP status (from the router or a body handler). */
  public static FunctionException forStatus(int status, RoutingContext ctx) {
    String route = ctx.request().method() + " " + ctx.request().path();
    return switch (status) {
      case 401 -> new FunctionException(401, "invalid_request_error", "invalid_api_key", null, null,
          "missing or incorrect API key; send it as 'Authorization: Bearer <key>'");
      case 404 -> new FunctionException(404, "invalid_request_error", "not_found", null, null, "Invalid URL (" + route + ")");
      case 405 -> new FunctionException(405, "invalid_request_error", "method_not_allowed", null, null,
          "method not allowed (" + route + ")");
      case 413 -> new FunctionException(413, "invalid_request_error", "request_too_large", null, null,
          "the request body is larger than the server's limit");
      case 415 -> new FunctionException(415, "invalid_request_error", "unsupported_media_type", null, null,
          "the request body must be JSON");
      default -> status >= 400 && status < 500
          ? new FunctionException(status, "invalid_request_error", null, null, null, "request failed with status " + status)
          : new FunctionException(status, "server_error", "internal_error", null, null, "request failed with status " + status);
    };
  }

  /** Ends the response with the error's status, body and (for 429/503) Retry-After header. */
  public static void send(HttpServerResponse response, FunctionException e) {
    if (response.ended() || response.headWritten()) {
      if (!response.ended()) {
        response.reset();
      }
      return;
    }
    response.setStatusCode(e.status()).putHeader("Content-Type", "application/json");
    if (e.retryAfterSeconds() != null) {
      response.putHeader("Retry-After", Integer.toString(e.retryAfterSeconds()));
    }
    response.end(OpenAiErrors.body(e).encode());
  }

  /**
   * The server's handler for requests the HTTP decoder rejected (bad request line, unsupported version,
   * oversize line or headers): 414, 431 or 400 in OpenAI's shape, then the connection closes. Vert.x's
   * default answers an unknown HTTP version with an empty 501.
   */
  public static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult() == null ? null : request.decoderResult().cause();
    FunctionException e;
    if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
      e = new FunctionException(414, "invalid_request_error", "uri_too_long", null, null, "the request line is too long");
    } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
      e = new FunctionException(431, "invalid_request_error", "headers_too_large", null, null,
          "the request headers are too large");
    } else {
      e = new FunctionException(400, "invalid_request_error", "bad_request", null, null,
          "malformed HTTP request" + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage()));
    }
    HttpServerResponse response = request.response();
    if (request.version() != io.vertx.core.http.HttpVersion.HTTP_2) {
      response.putHeader("Connection", "close");
    }
    response.endHandler(v -> request.connection().close());
    send(response, e);
  }

  public static void send(RoutingContext ctx, Throwable t) {
    send(ctx.response(), OpenAiErrors.toFunctionException(t));
  }
}
