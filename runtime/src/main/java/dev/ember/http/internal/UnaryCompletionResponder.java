package dev.ember.http.internal;

import dev.ember.function.FunctionException;
import dev.ember.openai.ChoiceBuffer;
import dev.ember.openai.CompletionRequest;
import dev.ember.openai.OpenAiJson;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Answers a non-streaming request with one {@code chat.completion} / {@code text_completion} document
 * once the request finishes; an engine error becomes a 500 in OpenAI's error shape.
 *
 * <pre>{@code new UnaryCompletionResponder(ctx.response(), request, id, created) }</pre>
 */
public final class UnaryCompletionResponder extends CompletionResponder {
  public UnaryCompletionResponder(HttpServerResponse response, CompletionRequest request, String id, long created) {
    super(response, request, id, created);
  }

  @Override
  protected void onSubmitted() {}

  @Override
  protected void onOutput(boolean requestFinished) {
    if (!requestFinished) {
      return;
    }
    if (error != null) {
      HttpErrors.send(response, engineError(error));
      return;
    }
    JsonArray list = new JsonArray();
    for (ChoiceBuffer c : choices) {
      list.add(c.choice());
    }
    JsonObject body = OpenAiJson.envelope(request.kind().object(), id, created, request.model(), list)
        .put("usage", OpenAiJson.usage(usage));
    response.putHeader("Content-Type", "application/json").end(body.encode());
  }

  @Override
  protected void onFailure(FunctionException e) {
    HttpErrors.send(response, e);
  }

  static FunctionException engineError(String message) {
    return new FunctionException(500, "server_error", "engine_error", null, null, "the request failed: " + message);
  }
}
