package dev.ember.ops;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The access log: one INFO line per finished HTTP request on logger {@value #LOGGER}, with the request
 * id, route, function, status, token counts and latency as {@link LogFields}; nothing is built when the
 * logger is off.
 *
 * <pre>{@code RequestLog.finished("chatcmpl-42", "/v1/chat/completions", "r1-qwen-1.5b", 200, 512, 128, nanos); }</pre>
 *
 * <p>prints {@code ... msg=request request_id=chatcmpl-42 route=/v1/chat/completions function=r1-qwen-1.5b
 * status=200 prompt_tokens=512 completion_tokens=128 latency_ms=1234.5}.
 */
public final class RequestLog {
  public static final String LOGGER = "ember.request";
  private static final Logger LOG = Logger.getLogger(LOGGER);

  private RequestLog() {}

  /**
   * Logs a finished request; {@code function} may be null (unknown model, routes without one), and
   * token counts are 0 when none were processed.
   */
  public static void finished(String requestId, String route, String function, int status, int promptTokens,
      int completionTokens, long latencyNanos) {
    if (!LOG.isLoggable(Level.INFO)) {
      return;
    }
    LogRecord r = new LogRecord(Level.INFO, "request");
    r.setLoggerName(LOGGER);
    r.setParameters(new Object[] {LogFields.of("request_id", requestId, "route", route, "function", function,
        "status", status, "prompt_tokens", promptTokens, "completion_tokens", completionTokens,
        "latency_ms", Math.round(latencyNanos / 1e5) / 10.0)});
    LOG.log(r);
  }
}
