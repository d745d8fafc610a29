package dev.ember.function;

import java.io.IOException;

/**
 * A load failure whose message is safe to show to API clients: it is about settings or resources
 * (no such device, a KV budget too small, a phase over its time limit), never about what is or is not
 * on the server's disk. Other load failures reach clients as a generic message; the server log keeps
 * the precise one.
 *
 * <pre>{@code throw new LoadFailedException("device 'cuda:0' is not available in this build (only cpu)"); }</pre>
 */
public final class LoadFailedException extends IOException {
  private static final long serialVersionUID = 1L;

  public LoadFailedException(String message) {
    super(message);
  }
}
