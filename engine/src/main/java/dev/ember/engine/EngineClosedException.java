package dev.ember.engine;

/**
 * The engine was closed (its function is draining or stopped) before a request reached it: nothing was
 * queued and nothing will be generated; the caller may retry on a live engine.
 */
public final class EngineClosedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public EngineClosedException(String message) {
    super(message);
  }
}
