package dev.ember.http.internal;

import dev.ember.function.FunctionException;
import dev.ember.openai.ChoiceBuffer;
import dev.ember.openai.CompletionRequest;
import dev.ember.openai.OpenAiErrors;
import dev.ember.openai.OpenAiJson;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Answers a {@code stream: true} request with server-sent events: {@code data: <chunk>\n\n} per
 * output ({@code chat.completion.chunk} or {@code text_completion}; the first chunk of each chat
 * choice carries {@code role}), an optional usage chunk with empty {@code choices}, then
 * {@code data: [DONE]\n\n}. An engine error mid-stream becomes {@code data: {"error":{...}}} before
 * {@code [DONE]}.
 *
 * <p>Backpressure: the engine does not wait for one slow reader (other requests share its steps), so
 * when the connection's write queue is full, outputs are not written but coalesced per choice in its
 * {@link ChoiceBuffer}; the {@code drainHandler} then writes one chunk per choice holding everything
 * pending. Memory per request is therefore bounded by its own output (at most max_tokens tokens per
 * choice), never by how slowly the client reads.
 *
 * <pre>{@code new StreamingCompletionResponder(ctx.response(), request, id, created) }</pre>
 */
public final class StreamingCompletionResponder extends CompletionResponder {
  private static final String DONE = "data: [DONE]\n\n";
  private boolean headWritten;
  private boolean waitingForDrain;
  private boolean ended;

  public StreamingCompletionResponder(HttpServerResponse response, CompletionRequest request, String id, long created) {
    super(response, request, id, created);
  }

  @Override
  protected void onSubmitted() {
    writeHead();
    flushIfWritable(false);
  }

  @Override
  protected void onOutput(boolean requestFinished) {
    writeHead();
    flushIfWritable(requestFinished);
  }

  @Override
  protected void onFailure(FunctionException e) {
    if (!headWritten) {
      HttpErrors.send(response, e);
      return;
    }
    if (!ended) {
      ended = true;
      response.write(event(OpenAiErrors.body(e)));
      response.end(DONE);
    }
  }

  /**
   * While the request is held for a warm-up ({@code ember_warmup_events}), reports progress as an SSE
   * comment line, which OpenAI clients ignore; skipped when the client is not reading.
   */
  public void warmupProgress(String state, long heldMillis) {
    if (ended || closed() || waitingForDrain) {
      return;
    }
    writeHead();
    if (!response.writeQueueFull()) {
      response.write(": ember warm-up state=" + state + " held_ms=" + heldMillis + "\n\n");
    }
  }

  private void writeHead() {
    if (headWritten) {
      return;
    }
    headWritten = true;
    response.setChunked(true)
        .putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-cache");
    response.writeHead();
  }

  private void flushIfWritable(boolean requestFinished) {
    if (ended || waitingForDrain) {
      return;
    }
    if (response.writeQueueFull()) {
      waitingForDrain = true;
      response.drainHandler(v -> {
        waitingForDrain = false;
        if (!closed()) {
          flushIfWritable(usage != null);
        }
      });
      return;
    }
    flush(requestFinished);
  }

  private void flush(boolean requestFinished) {
    for (ChoiceBuffer c : choices) {
      if (c.hasPending()) {
        JsonObject chunk = OpenAiJson.envelope(request.kind().chunkObject(), id, created, request.model(),
            new JsonArray().add(c.chunkChoice()));
        c.clear();
        response.write(event(chunk));
      }
    }
    if (!requestFinished) {
      return;
    }
    ended = true;
    if (error != null) {
      response.write(event(OpenAiErrors.body(UnaryCompletionResponder.engineError(error))));
    } else if (request.includeUsage()) {
      response.write(event(OpenAiJson.envelope(request.kind().chunkObject(), id, created, request.model(), new JsonArray())
          .put("usage", OpenAiJson.usage(usage))));
    }
    response.end(DONE);
  }

  private static String event(JsonObject json) {
    return "data: " + json.encode() + "\n\n";
  }
}
