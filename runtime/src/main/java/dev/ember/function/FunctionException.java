package dev.ember.function;

/**
 * A request a function cannot take, with the HTTP status and OpenAI error type/code it maps to:
 * unknown function (404), queue full (429, with Retry-After), function failed or shutting down (503),
 * invalid request (400, naming the parameter).
 *
 * <pre>{@code throw FunctionException.queueFull("r1-1.5b", 2); }</pre>
 */
public final class FunctionException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final String type;
  private final String code;
  private final String param;
  private final Integer retryAfterSeconds;

  public FunctionException(int status, String type, String code, String param, Integer retryAfterSeconds, String message) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static FunctionException notFound(String name) {
    return new FunctionException(404, "invalid_request_error", "model_not_found", "model", null,
        "The model '" + name + "' does not exist");
  }

  public static FunctionException queueFull(String name, int retryAfterSeconds) {
    return new FunctionException(429, "rate_limit_error", "queue_full", null, retryAfterSeconds,
        "function '" + name + "' has too many queued requests; retry later");
  }

  public static FunctionException unavailable(String name, String reason, Integer retryAfterSeconds) {
    return new FunctionException(503, "service_unavailable", "function_unavailable", null, retryAfterSeconds,
        "function '" + name + "' is unavailable: " + reason);
  }

  public static FunctionException invalid(String param, String message) {
    return new FunctionException(400, "invalid_request_error", null, param, null, message);
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  /** OpenAI error code, or null. */
  public String code() {
    return code;
  }

  /** The offending request parameter, or null. */
  public String param() {
    return param;
  }

  /** Seconds for a Retry-After header, or null. */
  public Integer retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
