package dev.ember.http.internal;

import dev.ember.function.FunctionException;
import dev.ember.http.HttpOptions;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Lets a request through only with {@code Authorization: Bearer <key>} for one of the configured
 * keys; otherwise answers 401 in OpenAI's error shape. With no keys configured every request passes.
 * The header value is stripped of spaces and tabs the same way whatever the protocol (HTTP/1.1 parsers
 * strip them, HTTP/2 passes values as sent), the token must be non-empty, and keys are compared as
 * SHA-256 digests in constant time, so neither a key's bytes nor its length leak through timing.
 *
 * <pre>{@code router.route("/v1/*").handler(new ApiKeyCheck(options.apiKeys())); }</pre>
 */
public final class ApiKeyCheck implements Handler<RoutingContext> {
  private static final String BEARER = "Bearer";
  private final List<byte[]> keys;

  /** @throws IllegalArgumentException for an empty key or one with whitespace or control characters */
  public ApiKeyCheck(List<String> keys) {
    HttpOptions.checkKeys("API key", keys);
    this.keys = keys.stream().map(ApiKeyCheck::digest).toList();
  }

  /** True when keys are configured (requests must carry one). */
  public boolean enabled() {
    return !keys.isEmpty();
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (keys.isEmpty() || authorized(ctx.request().getHeader("Authorization"))) {
      ctx.next();
      return;
    }
    refuse(ctx);
  }

  /** Answers 401 with {@code WWW-Authenticate: Bearer}. */
  static void refuse(RoutingContext ctx) {
    ctx.response().putHeader("WWW-Authenticate", "Bearer");
    FunctionException e = HttpErrors.forStatus(401, ctx);
    HttpErrors.send(ctx.response(), e);
  }

  /** True when the header carries one of the keys; always false when none is configured. */
  public boolean authorized(String header) {
    String token = bearerToken(header);
    if (token == null) {
      return false;
    }
    byte[] given = digest(token);
    boolean ok = false;
    for (byte[] key : keys) {
      ok |= MessageDigest.isEqual(key, given);
    }
    return ok;
  }

  /** The token of {@code Bearer <token>} (scheme case-insensitive, spaces and tabs around), or null. */
  static String bearerToken(String header) {
    if (header == null) {
      return null;
    }
    String v = stripSpaceAndTab(header);
    if (v.length() <= BEARER.length() || !v.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    char sep = v.charAt(BEARER.length());
    if (sep != ' ' && sep != '\t') {
      return null;
    }
    String token = stripSpaceAndTab(v.substring(BEARER.length()));
    return token.isEmpty() ? null : token;
  }

  private static String stripSpaceAndTab(String s) {
    int from = 0;
    int to = s.length();
    while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
      from++;
    }
    while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
      to--;
    }
    return s.substring(from, to);
  }

  private static byte[] digest(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
