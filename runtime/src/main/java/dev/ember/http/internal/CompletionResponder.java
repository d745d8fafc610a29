package dev.ember.http.internal;

import dev.ember.engine.RequestHandle;
import dev.ember.engine.RequestOutput;
import dev.ember.engine.Usage;
import dev.ember.function.FunctionEndpoint;
import dev.ember.function.FunctionException;
import dev.ember.openai.ChoiceBuffer;
import dev.ember.openai.CompletionRequest;
import dev.ember.openai.OpenAiErrors;
import dev.ember.openai.TokenTexts;
import io.vertx.core.http.HttpServerResponse;

/**
 * Answers one completion request from its engine outputs: keeps each choice's {@link ChoiceBuffer},
 * remembers the request's handle, and cancels the request when the client goes away first.
 * Subclasses decide how the answer is written (one JSON document, or a server-sent-event stream).
 * Every method runs on the request's event loop.
 *
 * <pre>{@code responder.submitted(submission); responder.accept(output); responder.clientClosed(); }</pre>
 */
public abstract class CompletionResponder {
  /** Names the cluster replica that served a completion. */
  public static final String REPLICA_HEADER = "X-Ember-Replica";
  protected final HttpServerResponse response;
  protected final CompletionRequest request;
  protected final String id;
  protected final long created;
  protected final ChoiceBuffer[] choices;
  protected Usage usage;
  protected String error;
  private RequestHandle handle;
  private boolean finished;
  private boolean closed;
  private boolean failureReported;

  protected CompletionResponder(HttpServerResponse response, CompletionRequest request, String id, long created) {
    this.response = response;
    this.request = request;
    this.id = id;
    this.created = created;
    int n = request.params().n();
    boolean logprobs = request.params().logprobs() != null;
    this.choices = new ChoiceBuffer[n];
    for (int i = 0; i < n; i++) {
      choices[i] = new ChoiceBuffer(i, request.kind(), logprobs);
    }
  }

  /** The function queued the request. */
  public final void submitted(FunctionEndpoint.Submission submission) {
    handle = submission.handle();
    if (submission.replica() != null && !response.headWritten()) {
      response.putHeader(REPLICA_HEADER, submission.replica());
    }
    if (closed && !finished) {
      handle.cancel();
    } else if (!closed && !finished) {
      onSubmitted();
    }
  }

  /** The function refused the request (or its outputs could not be rendered): answer with the error. */
  public final void failed(Throwable t) {
    if (failureReported) {
      return;
    }
    failureReported = true;
    boolean wasFinished = finished;
    finished = true;
    if (handle != null && !wasFinished) {
      handle.cancel();
    }
    if (!closed) {
      onFailure(OpenAiErrors.toFunctionException(t));
    }
  }

  /** One engine output, in order; token texts of its logprobs are resolved. */
  public final void accept(RequestOutput out, TokenTexts texts) {
    if (finished) {
      return;
    }
    choices[out.index()].add(out, texts);
    if (out.error() != null) {
      error = out.error();
    }
    if (out.requestFinished()) {
      usage = out.usage();
      finished = true;
    }
    if (!closed) {
      onOutput(finished);
    }
  }

  /** The connection closed before the response ended: cancel the request so its KV blocks are freed. */
  public final void clientClosed() {
    closed = true;
    if (!finished && handle != null) {
      handle.cancel();
    }
  }

  protected final boolean closed() {
    return closed;
  }

  /** Called once the request is queued, while the client is still there. */
  protected abstract void onSubmitted();

  /** Called after each output was added to its choice; {@code requestFinished} on the last one. */
  protected abstract void onOutput(boolean requestFinished);

  /** Called when the request cannot be answered normally. */
  protected abstract void onFailure(FunctionException e);
}
