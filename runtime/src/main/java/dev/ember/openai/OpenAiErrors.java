package dev.ember.openai;

import dev.ember.engine.PromptTooLongException;
import dev.ember.function.FunctionException;
import dev.ember.sample.InvalidSamplingParamsException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * Error bodies in OpenAI's shape, {@code {"error":{"message","type","param","code"}}}, and the mapping
 * from what can go wrong while serving a request to the {@link FunctionException} (status and error)
 * every door reports. Door-independent: the HTTP door writes these bodies as responses, the Kafka door
 * as final reply records.
 *
 * <pre>{@code JsonObject error = OpenAiErrors.body(OpenAiErrors.toFunctionException(failure)); }</pre>
 */
public final class OpenAiErrors {
  private OpenAiErrors() {}

  /** The {@code {"error":{...}}} body. */
  public static JsonObject body(String message, String type, String param, String code) {
    return new JsonObject().put("error", new JsonObject()
        .put("message", message)
        .put("type", type)
        .put("param", param)
        .put("code", code));
  }

  /** The error body of a {@link FunctionException}. */
  public static JsonObject body(FunctionException e) {
    return body(e.getMessage(), e.type(), e.param(), e.code());
  }

  /** Maps any failure to the {@link FunctionException} describing its HTTP status and OpenAI error. */
  public static FunctionException toFunctionException(Throwable t) {
    if (t instanceof FunctionException fe) {
      return fe;
    }
    if (t instanceof InvalidSamplingParamsException ie) {
      return FunctionException.invalid(ie.param(), ie.getMessage());
    }
    if (t instanceof PromptTooLongException pe) {
      return FunctionException.invalid(null, pe.getMessage());
    }
    if (t instanceof DecodeException de) {
      return FunctionException.invalid(null, "the request body is not valid JSON: " + de.getMessage());
    }
    if (t instanceof IllegalArgumentException ie) {
      return FunctionException.invalid(null, ie.getMessage());
    }
    return new FunctionException(500, "server_error", "internal_error", null, null,
        "internal error: " + (t == null ? "unknown" : t.getClass().getSimpleName() + ": " + t.getMessage()));
  }
}
