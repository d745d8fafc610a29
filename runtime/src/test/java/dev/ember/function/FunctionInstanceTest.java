package dev.ember.function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.engine.RequestOutput;
import dev.ember.kernels.EmberNative;
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
import java.util.concurrent.CountDownLatch;
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
  void aColdFunctionTokenizesWithItsModelsTokenizerWithoutWaking() throws Exception {
    FunctionInstance f = new FunctionInstance(vertx, demo(8), ServingMetrics.NOOP);
    Prompt chat = chat("t", 1).prompt();
    Prompt text = new Prompt.Text("a prompt tokenized while the function is cold");
    int[] coldChat = f.tokenize(chat).await(60, TimeUnit.SECONDS);
    int[] coldText = f.tokenize(text).await(60, TimeUnit.SECONDS);
    String coldDecoded = f.detokenize(coldText).await(60, TimeUnit.SECONDS);
    FunctionException outside = (FunctionException) f.detokenize(new int[] {1, -1})
        .transform(r -> Future.succeededFuture(r.cause())).await(30, TimeUnit.SECONDS);
    assertEquals(400, outside.status(), outside.getMessage());
    assertEquals(FunctionState.COLD, f.state(), "tokenizing loaded no weights and woke nothing");

    f.warm().await(120, TimeUnit.SECONDS);
    assertArrayEquals(f.tokenize(chat).await(60, TimeUnit.SECONDS), coldChat, "the engine's tokenizer agrees");
    assertArrayEquals(f.tokenize(text).await(60, TimeUnit.SECONDS), coldText);
    assertEquals(f.detokenize(coldText).await(60, TimeUnit.SECONDS), coldDecoded);

    f.retire(Duration.ofSeconds(5)).await(60, TimeUnit.SECONDS);
    FunctionException retired = (FunctionException) f.tokenize(text)
        .transform(r -> Future.succeededFuture(r.cause())).await(30, TimeUnit.SECONDS);
    assertEquals(503, retired.status(), "a retired function's tokenizers are closed");
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

  /** Message content whose rendering blocks in the chat template until the test opens the gate. */
  static final class GatedContent {
    final CountDownLatch rendering = new CountDownLatch(1);
    final CountDownLatch gate = new CountDownLatch(1);

    @Override
    public String toString() {
      rendering.countDown();
      try {
        gate.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "Hello there";
    }
  }

  @Test
  void aDrainWaitsForARequestStillBeingTokenizedWhichThenCompletes() throws Exception {
    long before = EmberNative.ember_allocated_bytes();
    FunctionInstance f = new FunctionInstance(vertx, demo(8), ServingMetrics.NOOP);
    f.warm().await(120, TimeUnit.SECONDS);
    GatedContent content = new GatedContent();
    InferenceRequest r = new InferenceRequest("gated", "demo", new Prompt.Chat(
        List.of(Map.of("role", "user", "content", content)), true, Map.of()),
        SamplingParams.builder().temperature(0).maxTokens(6).ignoreEos(true).build(), null, 0);
    Future<List<RequestOutput>> outputs = run(vertx, f, r, new ArrayList<>());
    assertTrue(content.rendering.await(30, TimeUnit.SECONDS), "the request is in tokenization");
    Future<Void> drained = f.drain(Duration.ofSeconds(30));
    // The drain has a full second in which it would (wrongly) close the engine and tokenizer under the request.
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    while (System.nanoTime() < until && !drained.isComplete()) {
      Thread.onSpinWait();
    }
    assertEquals(FunctionState.DRAINING, f.state(), "the drain waits for the request being tokenized");
    content.gate.countDown();
    List<RequestOutput> outs = outputs.await(60, TimeUnit.SECONDS);
    RequestOutput last = outs.get(outs.size() - 1);
    assertEquals(FinishReason.LENGTH, last.finishReason());
    assertEquals(6, last.usage().completionTokens());
    drained.await(30, TimeUnit.SECONDS);
    assertEquals(FunctionState.COLD, f.state());
    assertEquals(0, f.inFlight());
    assertEquals(before, EmberNative.ember_allocated_bytes());
  }

  @Test
  void aRequestArrivingWhileDrainingIsHeldAndServedByTheNextWarmUp() throws Exception {
    FunctionInstance f = new FunctionInstance(vertx, demo(8), ServingMetrics.NOOP);
    f.warm().await(120, TimeUnit.SECONDS);
    GatedContent content = new GatedContent();
    InferenceRequest gated = new InferenceRequest("gated", "demo", new Prompt.Chat(
        List.of(Map.of("role", "user", "content", content)), true, Map.of()),
        SamplingParams.builder().temperature(0).maxTokens(3).ignoreEos(true).build(), null, 0);
    Future<List<RequestOutput>> first = run(vertx, f, gated, new ArrayList<>());
    assertTrue(content.rendering.await(30, TimeUnit.SECONDS));
    Future<Void> drained = f.drain(Duration.ofSeconds(30));
    Future<List<RequestOutput>> second = run(vertx, f, chat("late", 4), new ArrayList<>());
    content.gate.countDown();
    assertEquals(3, last(first.await(60, TimeUnit.SECONDS)).usage().completionTokens());
    drained.await(30, TimeUnit.SECONDS);
    assertEquals(4, last(second.await(120, TimeUnit.SECONDS)).usage().completionTokens());
    assertEquals(FunctionState.WARM, f.state());
    f.drain(Duration.ofSeconds(10)).await(30, TimeUnit.SECONDS);
  }

  private static RequestOutput last(List<RequestOutput> outs) {
    return outs.get(outs.size() - 1);
  }
}
