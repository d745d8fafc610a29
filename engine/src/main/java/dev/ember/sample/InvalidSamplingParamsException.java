package dev.ember.sample;

/**
 * A sampling parameter is out of its allowed range. {@link #param()} is the OpenAI request field
 * name ({@code temperature}, {@code top_p}, {@code logit_bias}, ...) so the HTTP layer can fill the
 * {@code param} of an OpenAI error body; the message states the allowed range and the value given.
 *
 * <pre>{@code
 * catch (InvalidSamplingParamsException e) { badRequest(e.param(), e.getMessage()); }
 * }</pre>
 */
public final class InvalidSamplingParamsException extends IllegalArgumentException {
  private final String param;

  public InvalidSamplingParamsException(String param, String message) {
    super(message);
    this.param = param;
  }

  /** The OpenAI name of the offending request field. */
  public String param() {
    return param;
  }
}
