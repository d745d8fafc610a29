package dev.ember.http;

import java.util.List;

/**
 * HTTP server settings.
 *
 * @param apiKeys accepted keys for {@code Authorization: Bearer <key>}; empty = no authentication
 * @param bodyLimitBytes largest request body; larger bodies get 413
 * @param protectOperations whether /health and /metrics also require a key
 * @param connections timeouts and the per-client connection limit
 */
public record HttpOptions(String host, int port, List<String> apiKeys, long bodyLimitBytes, boolean protectOperations,
    ConnectionOptions connections) {
  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final String HOST_DOC = "Address to listen on.";
  public static final int DEFAULT_PORT = 8000;
  public static final String PORT_DOC = "Port to listen on (vLLM's default 8000; 0 picks a free port).";
  public static final long DEFAULT_BODY_LIMIT_BYTES = 4L << 20;
  public static final String BODY_LIMIT_DOC = "Largest request body in bytes.";
  public static final String API_KEY_DOC = "API key(s) required on /v1 and /functions (also env EMBER_API_KEY, comma-separated).";

  public HttpOptions {
    apiKeys = List.copyOf(apiKeys);
    if (connections == null) {
      throw new IllegalArgumentException("connections must be set");
    }
    checkKeys("API key", apiKeys);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
    }
    if (bodyLimitBytes < 1024) {
      throw new IllegalArgumentException("bodyLimitBytes must be >= 1024, got " + bodyLimitBytes);
    }
  }

  /**
   * Refuses empty keys (an unset shell variable passed as {@code --api-key "$KEY"} would otherwise let
   * {@code Authorization: Bearer <whitespace>} through) and keys with surrounding whitespace or control
   * characters (header values are stripped, so such a key could never match).
   */
  public static void checkKeys(String what, List<String> keys) {
    for (int i = 0; i < keys.size(); i++) {
      String k = keys.get(i);
      if (k == null || k.isBlank()) {
        throw new IllegalArgumentException(what + " #" + (i + 1) + " is empty; an empty key would let any request"
            + " through (is the variable you passed set?)");
      }
      for (int c = 0; c < k.length(); c++) {
        if (k.charAt(c) <= ' ' || k.charAt(c) == 0x7f) {
          throw new IllegalArgumentException(what + " #" + (i + 1) + " contains whitespace or a control character");
        }
      }
    }
  }

  /** With the default connection timeouts and limits. */
  public HttpOptions(String host, int port, List<String> apiKeys, long bodyLimitBytes, boolean protectOperations) {
    this(host, port, apiKeys, bodyLimitBytes, protectOperations, ConnectionOptions.defaults());
  }

  public static HttpOptions defaults() {
    return new HttpOptions(DEFAULT_HOST, DEFAULT_PORT, List.of(), DEFAULT_BODY_LIMIT_BYTES, false);
  }

  public HttpOptions withConnections(ConnectionOptions c) {
    return new HttpOptions(host, port, apiKeys, bodyLimitBytes, protectOperations, c);
  }

  public HttpOptions withPort(int p) {
    return new HttpOptions(host, p, apiKeys, bodyLimitBytes, protectOperations, connections);
  }

  public HttpOptions withHost(String h) {
    return new HttpOptions(h, port, apiKeys, bodyLimitBytes, protectOperations, connections);
  }

  public HttpOptions withApiKeys(List<String> keys) {
    return new HttpOptions(host, port, keys, bodyLimitBytes, protectOperations, connections);
  }
}
