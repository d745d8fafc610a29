package dev.ember.http.internal;

import dev.ember.function.FunctionException;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Lets a request through only with {@code Authorization: Bearer <key>} for one of the configured
 * keys (compared in constant time); otherwise answers 401 in OpenAI's error shape. With no keys
 * configured every request passes.
 *
 * <pre>{@code router.route("/v1/*").handler(new ApiKeyCheck(options.apiKeys())); }</pre>
 */
public final class ApiKeyCheck implements Handler<RoutingContext> {
  private static final String BEARER = "Bearer ";
  private final List<byte[]> keys;

  public ApiKeyCheck(List<String> keys) {
    this.keys = keys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (keys.isEmpty() || authorized(ctx.request().getHeader("Authorization"))) {
      ctx.next();
      return;
    }
    ctx.response().putHeader("WWW-Authenticate", "Bearer");
    FunctionException e = OpenAiErrors.forStatus(401, ctx);
    OpenAiErrors.send(ctx.response(), e);
  }

  private boolean authorized(String header) {
    if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return false;
    }
    byte[] given = header.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
    boolean ok = false;
    for (byte[] key : keys) {
      ok |= MessageDigest.isEqual(key, given);
    }
    return ok;
  }
}
