package dev.ember.http;

import java.time.Duration;

/**
 * How long the HTTP server waits on a client, and how many connections one client address may hold.
 * A connection must present a complete request head within {@code headerReadTimeout} of opening (a
 * client trickling header bytes is closed; with h2c on, Vert.x hands a connection over only once its
 * first head is complete, so this then applies to later heads only), a request body must arrive within {@code bodyReadTimeout}
 * of its head (else 408), and a connection with no request in flight is closed after
 * {@code idleTimeout}. A request being answered (a long generation) is never cut by these timeouts.
 *
 * <pre>{@code new ConnectionOptions(Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(30), 256, false) }</pre>
 *
 * @param idleTimeout how long a connection may sit with no request in flight
 * @param headerReadTimeout how long a new connection may take to send its first request head
 * @param bodyReadTimeout how long a request body may take to arrive once its head did
 * @param maxConnectionsPerClient open connections allowed per client IP address; more are closed at once
 * @param http2ClearText whether HTTP/2 without TLS (h2c, by upgrade or prior knowledge) is accepted; with it,
 *     the server only sees a connection once its first request head is complete, so the header-read
 *     timeout cannot apply to that first head
 */
public record ConnectionOptions(Duration idleTimeout, Duration headerReadTimeout, Duration bodyReadTimeout,
    int maxConnectionsPerClient, boolean http2ClearText) {
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
  public static final String IDLE_TIMEOUT_DOC = "Close a connection with no request in flight after this long.";
  public static final Duration DEFAULT_HEADER_READ_TIMEOUT = Duration.ofSeconds(10);
  public static final String HEADER_READ_TIMEOUT_DOC = "Close a new connection whose request head has not fully arrived "
      + "after this long (slowloris).";
  public static final Duration DEFAULT_BODY_READ_TIMEOUT = Duration.ofSeconds(30);
  public static final String BODY_READ_TIMEOUT_DOC = "Answer 408 and close when a request body has not fully arrived "
      + "this long after its head.";
  public static final int DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 256;
  public static final String MAX_CONNECTIONS_PER_CLIENT_DOC = "Open connections allowed per client IP address; "
      + "further ones are closed at once.";
  public static final boolean DEFAULT_HTTP2_CLEAR_TEXT = false;
  public static final String HTTP2_CLEAR_TEXT_DOC = "Also accept HTTP/2 without TLS (h2c). The server then sees a "
      + "connection only once its first request head is complete, so the header-read timeout and the per-client "
      + "limit cover it from its first request on instead of from its first byte.";

  public ConnectionOptions {
    positive("idleTimeout", idleTimeout);
    positive("headerReadTimeout", headerReadTimeout);
    positive("bodyReadTimeout", bodyReadTimeout);
    if (maxConnectionsPerClient < 1) {
      throw new IllegalArgumentException("maxConnectionsPerClient must be >= 1, got " + maxConnectionsPerClient);
    }
  }

  public static ConnectionOptions defaults() {
    return new ConnectionOptions(DEFAULT_IDLE_TIMEOUT, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_BODY_READ_TIMEOUT,
        DEFAULT_MAX_CONNECTIONS_PER_CLIENT, DEFAULT_HTTP2_CLEAR_TEXT);
  }

  private static void positive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero() || d.toMillis() < 1) {
      throw new IllegalArgumentException(name + " must be at least 1ms, got " + d);
    }
  }
}
