package dev.ember.function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.engine.RequestOutput;
import dev.ember.kernels.EmberNative;
import dev.ember.metrics.ServingMetrics;
import dev.ember.sample.FinishReason;
import dev.ember.sample.SamplingParams;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A function over the embedded demo model on a real Vert.x instance. */
class FunctionInstanceTest {
  Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  static FunctionManifest demo(int maxQueue) {
    return FunctionManifest.of("demo", FunctionManifest.ModelSpec.EMBEDDED_DEMO, null)
        .withLimits(new FunctionManifest.Limits(maxQueue, 512));
  }

  static InferenceRequest chat(String id, int maxTokens) {
    return new InferenceRequest(id, "demo", new Prompt.Chat(List.of(Map.of("role", "user", "content", "Hello there")),
        true, Map.of()), SamplingParams.builder().temperature(0).maxTokens(maxTokens).ignoreEos(true).build(), null, 0);
  }

  /** Submits from an event-loop context and collects the outputs there. */
  static Future<List<RequestOutput>> run(Vertx vertx, FunctionInstance f, InferenceRequest r, List<Context> seenOn) {
    Promise<List<RequestOutput>> done = Promise.promise();
    Context ctx = vertx.getOrCreateContext();
    ctx.runOnContext(v -> {
      List<RequestOutput> outs = new ArrayList<>();
      f.submit(r, out -> {
        seenOn.add(Vertx.currentContext());
        outs.add(out);
        if (out.requestFinished()) {
          done.complete(outs);
        }
      }).onFailure(done::fail);
    });
    return done.future();
  }

  @Test
  void aWarmFunctionAnswersOnTheCallersContext() throws Exception {
    FunctionInstance f = new FunctionInstance(vertx, demo(8), ServingMetrics.NOOP);
    assertEquals(FunctionState.COLD, f.state());
    f.warm().await(120, TimeUnit.SECONDS);
    assertEquals(FunctionState.WARM, f.state());
    List<Context> seen = new ArrayList<>();
    List<RequestOutput> outs = run(vertx, f, chat("r1", 12), seen).await(60, TimeUnit.SECONDS);
    RequestOutput last = outs.get(outs.size() - 1);
    assertEquals(FinishReason.LENGTH, last.finishReason());
    assertEquals(12, last.usage().completionTokens());
    assertTrue(last.usage().promptTokens() > 3, "the chat template wrapped the message");
    assertTrue(seen.stream().allMatch(c -> c != null && c.isEventLoopContext()), "delivered on the event loop");
    assertSame(seen.get(0), seen.get(seen.size() - 1));
    assertEquals(0, f.inFlight());
  }

  @Test
  void aFullQueueRejectsWith429() throws Exception {
    FunctionInstance f = new FunctionInstance(vertx, demo(1), ServingMetrics.NOOP);
    f.warm().await(120, TimeUnit.SECONDS);
    Future<List<RequestOutput>> first = run(vertx, f, chat("long", 400), new ArrayList<>());
    FunctionException e = (FunctionException) run(vertx, f, chat("second", 4), new ArrayList<>())
        .transform(r -> Future.succeededFuture(r.cause())).await(30, TimeUnit.SECONDS);
    assertEquals(429, e.status());
    assertNotNull(e.retryAfterSeconds());
    first.await(120, TimeUnit.SECONDS);
  }

  @Test
  void aBrokenModelMarksTheFunctionFailedWithTheReason() throws Exception {
    FunctionInstance f = new FunctionInstance(vertx, FunctionManifest.of("broken", "/nonexistent/model-dir", null),
        ServingMetrics.NOOP);
    Throwable cause = f.warm().transform(r -> Future.succeededFuture(r.cause())).await(60, TimeUnit.SECONDS);
    assertEquals(FunctionState.FAILED, f.state());
    assertTrue(f.reason().contains("/nonexistent/model-dir"), f.reason());
    assertEquals(503, ((FunctionException) cause).status());
    FunctionException e = (FunctionException) run(vertx, f, chat("x", 4), new ArrayList<>())
        .transform(r -> Future.succeededFuture(r.cause())).await(30, TimeUnit.SECONDS);
    assertEquals(503, e.status());
  }

  @Test
  void aPromptLongerThanTheContextIsA400WithTheCounts() throws Exception {
    FunctionInstance f = new FunctionInstance(vertx, demo(8), ServingMetrics.NOOP);
    f.warm().await(120, TimeUnit.SECONDS);
    InferenceRequest r = new InferenceRequest("long", "demo", new Prompt.Tokens(new int[5000]),
        SamplingParams.builder().maxTokens(10).build(), null, 0);
    FunctionException e = (FunctionException) run(vertx, f, r, new ArrayList<>())
        .transform(x -> Future.succeededFuture(x.cause())).await(30, TimeUnit.SECONDS);
    assertEquals(400, e.status());
    assertTrue(e.getMessage().contains("5000") && e.getMessage().contains("2048"), e.getMessage());
    assertEquals(0, f.inFlight());
  }

  @Test
  void drainingFreesAllNativeMemory() throws Exception {
    long before = EmberNative.ember_allocated_bytes();
    FunctionInstance f = new FunctionInstance(vertx, demo(8), ServingMetrics.NOOP);
    f.warm().await(120, TimeUnit.SECONDS);
    assertTrue(EmberNative.ember_allocated_bytes() > before, "KV cache and scratch allocated");
    run(vertx, f, chat("r", 5), new ArrayList<>()).await(60, TimeUnit.SECONDS);
    f.drain(Duration.ofSeconds(10)).await(30, TimeUnit.SECONDS);
    assertEquals(FunctionState.COLD, f.state());
    assertEquals(before, EmberNative.ember_allocated_bytes());
  }
}
