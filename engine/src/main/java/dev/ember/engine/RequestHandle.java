package dev.ember.engine;

/** A submitted request: its id, and cancellation (honoured at the next step boundary). */
public final class RequestHandle {
  private final Engine engine;
  private final String requestId;

  RequestHandle(Engine engine, String requestId) {
    this.engine = engine;
    this.requestId = requestId;
  }

  public String requestId() {
    return requestId;
  }

  /** Aborts the request: its sequences finish with reason {@code abort} and their blocks are freed. */
  public void cancel() {
    engine.cancel(requestId);
  }
}
