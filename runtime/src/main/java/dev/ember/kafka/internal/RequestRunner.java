package dev.ember.kafka.internal;

import dev.ember.engine.OutputSink;
import dev.ember.engine.RequestHandle;
import dev.ember.function.FunctionEndpoint;
import dev.ember.function.FunctionException;
import dev.ember.function.FunctionGateway;
import dev.ember.openai.CompletionRequest;
import dev.ember.openai.CompletionRequestParser;
import dev.ember.openai.OpenAiErrors;
import dev.ember.openai.TokenTexts;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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
 * <pre>{@code
 * RequestRunner.Run run = runner.run(address, record.value(), "demo");
 * run.outcome().onSuccess(o -> { if (o == Outcome.REFUSED) retryLater(); });
 * run.abandon(); // the record's partition moved to another member
 * }</pre>
 */
public final class RequestRunner {
  private final FunctionGateway gateway;
  private final ReplySender sender;

  public RequestRunner(FunctionGateway gateway, ReplySender sender) {
    this.gateway = gateway;
    this.sender = sender;
  }

  /** How a run ended. */
  public enum Outcome {
    /** The final reply was acknowledged. */
    ANSWERED,
    /** The function's queue was full (429): nothing was sent; run it again later. */
    REFUSED,
    /** {@link Run#abandon()} was called before the final reply was sent: nothing more is sent. */
    ABANDONED
  }

  /** One running request. Event-loop confined, like the runner. */
  public static final class Run {
    private final Promise<Outcome> outcome = Promise.promise();
    private ReplyWriter writer;
    private RequestHandle handle;
    private boolean abandoned;

    /** Completes with how the run ended; fails when a reply could not be delivered. */
    public Future<Outcome> outcome() {
      return outcome.future();
    }

    /**
     * Gives the request up (its record now belongs to another consumer, which runs it again): sends
     * nothing more and cancels the generation. A run whose final reply is already on its way finishes.
     */
    public void abandon() {
      if (abandoned || writer == null || !writer.abandon()) {
        return;
      }
      abandoned = true;
      if (handle != null) {
        handle.cancel();
      }
      outcome.tryComplete(Outcome.ABANDONED);
    }

    private void submitted(RequestHandle h) {
      handle = h;
      if (abandoned) {
        h.cancel();
      }
    }
  }

  /** Starts {@code value}'s request; {@code defaultFunction} serves requests naming no function. */
  public Run run(RequestAddress to, byte[] value, String defaultFunction) {
    Run run = new Run();
    CompletionRequest request;
    FunctionEndpoint endpoint;
    try {
      request = parse(to, value, defaultFunction);
      endpoint = gateway.function(request.model()).orElseThrow(() -> FunctionException.notFound(request.model()));
    } catch (RuntimeException e) {
      run.writer = new ReplyWriter(sender, to);
      run.writer.fail(OpenAiErrors.toFunctionException(e));
      run.writer.done().map(Outcome.ANSWERED).onComplete(run.outcome);
      return run;
    }
    String id = request.kind().idPrefix() + UUID.randomUUID().toString().replace("-", "");
    ReplyWriter writer = new ReplyWriter(sender, to, request, id, System.currentTimeMillis() / 1000);
    run.writer = writer;
    TokenTexts texts = request.params().logprobs() != null ? new TokenTexts(endpoint) : null;
    OutputSink sink = texts == null ? out -> writer.accept(out, null) : new Ordered(writer, texts);
    endpoint.submit(request.toInference(id), sink).onComplete(ar -> {
      if (ar.succeeded()) {
        writer.servedBy(ar.result().replica());
        run.submitted(ar.result().handle());
      } else {
        FunctionException e = OpenAiErrors.toFunctionException(ar.cause());
        if (e.status() == 429 && !run.abandoned) {
          run.outcome.tryComplete(Outcome.REFUSED);
          return;
        }
        writer.fail(e);
      }
      writer.done().map(Outcome.ANSWERED).onComplete(ar2 -> {
        if (ar2.succeeded()) {
          run.outcome.tryComplete(ar2.result());
        } else {
          run.outcome.tryFail(ar2.cause());
        }
      });
    });
    return run;
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
