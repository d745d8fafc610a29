package dev.ember.kafka.internal;

import dev.ember.engine.OutputSink;
import dev.ember.function.FunctionEndpoint;
import dev.ember.function.FunctionException;
import dev.ember.function.FunctionGateway;
import dev.ember.http.internal.CompletionRequest;
import dev.ember.http.internal.CompletionRequestParser;
import dev.ember.http.internal.OpenAiErrors;
import dev.ember.http.internal.TokenTexts;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * Runs one Kafka request: parses its value with the HTTP door's parser (the same JSON as
 * {@code /v1/chat/completions}, or {@code /v1/completions} when it has a {@code prompt} instead of
 * {@code messages}), resolves the function through the gateway and submits it, answering through a
 * {@link ReplyWriter}. Anything wrong with the request is answered with an error reply.
 *
 * <pre>{@code runner.run(address, record.value(), "demo").onSuccess(ran -> { if (!ran) retryLater(); }); }</pre>
 */
public final class RequestRunner {
  private final FunctionGateway gateway;
  private final ReplySender sender;

  public RequestRunner(FunctionGateway gateway, ReplySender sender) {
    this.gateway = gateway;
    this.sender = sender;
  }

  /**
   * Completes with true once the final reply is acknowledged, with false when the function refused the
   * request because its queue is full (429: nothing was sent; run it again later), and fails when a reply
   * could not be delivered. {@code defaultFunction} serves requests naming no function.
   */
  public Future<Boolean> run(RequestAddress to, byte[] value, String defaultFunction) {
    CompletionRequest request;
    FunctionEndpoint endpoint;
    String id;
    ReplyWriter writer;
    try {
      request = parse(to, value, defaultFunction);
      endpoint = gateway.function(request.model()).orElseThrow(() -> FunctionException.notFound(request.model()));
    } catch (RuntimeException e) {
      return answerWithError(to, e);
    }
    id = request.kind().idPrefix() + UUID.randomUUID().toString().replace("-", "");
    writer = new ReplyWriter(sender, to, request, id, System.currentTimeMillis() / 1000);
    TokenTexts texts = request.params().logprobs() != null ? new TokenTexts(endpoint) : null;
    OutputSink sink = texts == null ? out -> writer.accept(out, null) : new Ordered(writer, texts);
    return endpoint.submit(request.toInference(id), sink).transform(ar -> {
      if (ar.failed()) {
        FunctionException e = OpenAiErrors.toFunctionException(ar.cause());
        if (e.status() == 429) {
          return Future.succeededFuture(false);
        }
        writer.fail(e);
      }
      return writer.done().map(true);
    });
  }

  private static CompletionRequest parse(RequestAddress to, byte[] value, String defaultFunction) {
    if (value == null || value.length == 0) {
      throw FunctionException.invalid(null, "the request record has no value; send the HTTP API's JSON body");
    }
    JsonObject body;
    try {
      body = new JsonObject(Buffer.buffer(value));
    } catch (DecodeException | ClassCastException e) {
      throw FunctionException.invalid(null, "the request body is not a JSON object: " + e.getMessage());
    }
    if (to.function() != null) {
      body.put("model", to.function());
    } else if (!body.containsKey("model")) {
      body.put("model", defaultFunction);
    }
    return body.containsKey("messages") || !body.containsKey("prompt")
        ? CompletionRequestParser.chat(body, null)
        : CompletionRequestParser.completion(body);
  }

  private Future<Boolean> answerWithError(RequestAddress to, RuntimeException e) {
    ReplyWriter writer = new ReplyWriter(sender, to);
    writer.fail(OpenAiErrors.toFunctionException(e));
    return writer.done().map(true);
  }

  /** With logprobs, each output waits (in order) for its token texts, decoded off the event loop. */
  private static final class Ordered implements OutputSink {
    private final ReplyWriter writer;
    private final TokenTexts texts;
    private Future<Void> pending = Future.succeededFuture();

    Ordered(ReplyWriter writer, TokenTexts texts) {
      this.writer = writer;
      this.texts = texts;
    }

    @Override
    public void accept(dev.ember.engine.RequestOutput out) {
      pending = pending.compose(v -> texts.resolve(out.logprobs()))
          .onSuccess(v -> writer.accept(out, texts))
          .onFailure(e -> writer.fail(OpenAiErrors.toFunctionException(e)));
    }
  }
}
