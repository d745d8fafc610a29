package dev.ember.http.internal;

import dev.ember.engine.OutputSink;
import dev.ember.function.FunctionEndpoint;
import dev.ember.function.FunctionException;
import dev.ember.function.FunctionGateway;
import dev.ember.openai.CompletionRequest;
import dev.ember.openai.CompletionRequestParser;
import dev.ember.openai.TokenTexts;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/**
 * Runs one parsed completion request against its function: resolves the function, submits with a
 * sink feeding the right {@link CompletionResponder}, and cancels the request in the engine when the
 * client disconnects. With logprobs, each output waits (in order) for its token texts, which the
 * function decodes off the event loop.
 *
 * <pre>{@code CompletionCall.run(ctx, gateway, CompletionRequestParser.chat(body, null)); }</pre>
 */
public final class CompletionCall {
  private Future<Void> pending = Future.succeededFuture();

  private CompletionCall() {}

  public static void run(RoutingContext ctx, FunctionGateway gateway, CompletionRequest request) {
    HttpServerResponse response = ctx.response();
    FunctionEndpoint endpoint = gateway.function(request.model())
        .orElseThrow(() -> FunctionException.notFound(request.model()));
    String id = request.kind().idPrefix() + UUID.randomUUID().toString().replace("-", "");
    long created = System.currentTimeMillis() / 1000;
    CompletionResponder responder = request.stream()
        ? new StreamingCompletionResponder(response, request, id, created)
        : new UnaryCompletionResponder(response, request, id, created);
    ctx.addEndHandler(ended -> {
      if (ended.failed()) {
        responder.clientClosed();
      }
    });
    AccessLog.completion(ctx, id, request.model());
    TokenTexts texts = request.params().logprobs() != null ? new TokenTexts(endpoint) : null;
    OutputSink toResponder = texts == null
        ? out -> responder.accept(out, null)
        : new CompletionCall().ordered(responder, texts);
    OutputSink sink = out -> {
      if (out.requestFinished()) {
        AccessLog.usage(ctx, out.usage());
      }
      toResponder.accept(out);
    };
    io.vertx.core.Future<FunctionEndpoint.Submission> submitted = endpoint.submit(request.toInference(id), sink);
    if (request.warmupEvents() && responder instanceof StreamingCompletionResponder streaming && !submitted.isComplete()
        && endpoint.info().state() != dev.ember.function.FunctionState.WARM) {
      reportWarmup(ctx, endpoint, streaming, submitted);
    }
    submitted.onSuccess(s -> AccessLog.submitted(ctx, s.promptTokens()))
        .onSuccess(responder::submitted).onFailure(responder::failed);
  }

  /** Streams warm-up progress comments every {@link #WARMUP_EVENT_MILLIS} ms until the request is admitted. */
  private static void reportWarmup(RoutingContext ctx, FunctionEndpoint endpoint, StreamingCompletionResponder streaming,
      io.vertx.core.Future<?> submitted) {
    long start = System.nanoTime();
    Runnable report = () -> streaming.warmupProgress(endpoint.info().state().name(),
        (System.nanoTime() - start) / 1_000_000);
    report.run();
    long timer = ctx.vertx().setPeriodic(WARMUP_EVENT_MILLIS, t -> report.run());
    submitted.onComplete(r -> ctx.vertx().cancelTimer(timer));
  }

  /** Interval of warm-up progress comments for held streaming requests. */
  static final long WARMUP_EVENT_MILLIS = 500;

  private OutputSink ordered(CompletionResponder responder, TokenTexts texts) {
    return out -> pending = pending
        .compose(v -> texts.resolve(out.logprobs()))
        .onSuccess(v -> responder.accept(out, texts))
        .onFailure(responder::failed);
  }
}
