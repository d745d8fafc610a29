package dev.ember.engine;

/** A submitted request: its id, and cancellation (honoured at the next step boundary). */
public final class RequestHandle {
  private final String requestId;
  private final Runnable cancel;

  RequestHandle(Engine engine, String requestId) {
    this(requestId, () -> engine.cancel(requestId));
  }

  private RequestHandle(String requestId, Runnable cancel) {
    this.requestId = requestId;
    this.cancel = cancel;
  }

  /** A handle for a request that runs elsewhere (e.g. on another replica): cancelling runs {@code cancel}. */
  public static RequestHandle of(String requestId, Runnable cancel) {
    return new RequestHandle(requestId, cancel);
  }

  public String requestId() {
    return requestId;
  }

  /** Aborts the request: its sequences finish with reason {@code abort} and their blocks are freed. */
  public void cancel() {
    cancel.run();
  }
}
