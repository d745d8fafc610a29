package dev.ember.function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.coldstart.ColdStartOptions;
import dev.ember.engine.RequestOutput;
import dev.ember.kernels.EmberNative;
import dev.ember.sample.FinishReason;
import dev.ember.sample.SamplingParams;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Several functions on one replica, over the demo model on a real Vert.x instance. */
class FunctionRegistryTest {
  Vertx vertx;
  FunctionRegistry registry;

  /** Prefix snapshots of this test's functions (never the user's cache). */
  @TempDir
  Path snapshots;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    registry = new FunctionRegistry(vertx, ServingMetrics.NOOP,
        FunctionLoadOptions.defaults().withColdStart(ColdStartOptions.defaults().withSnapshotDirectory(snapshots)));
  }

  @AfterEach
  void stop() throws Exception {
    registry.shutdown(Duration.ofSeconds(10)).await(60, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  static FunctionManifest demo(String name) {
    FunctionManifest d = DemoFunction.manifest();
    return new FunctionManifest(name, d.model(), d.device(), d.engine(), d.limits(), d.scaling(), d.prewarm(),
        FunctionManifest.Kafka.defaults(name));
  }

  static FunctionManifest at(String name, String path, String device) {
    FunctionManifest m = FunctionManifest.of(name, path, null);
    return new FunctionManifest(name, m.model(), device, m.engine(), m.limits(), m.scaling(), m.prewarm(), m.kafka());
  }

  /** Runs a greedy 8-token request from an event loop; completes with its final output. */
  Future<RequestOutput> ask(String function) {
    Promise<RequestOutput> done = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> {
      FunctionEndpoint f = registry.function(function).orElseThrow();
      InferenceRequest r = new InferenceRequest("r-" + function, function, new Prompt.Text("Hello there"),
          SamplingParams.builder().temperature(0).maxTokens(8).ignoreEos(true).build(), null, 0);
      f.submit(r, out -> {
        if (out.requestFinished()) {
          done.complete(out);
        }
      }).onFailure(done::fail);
    });
    return done.future();
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.await(120, TimeUnit.SECONDS);
  }

  static FunctionException failure(Future<?> f) throws Exception {
    return (FunctionException) f.transform(r -> Future.succeededFuture(r.cause())).await(120, TimeUnit.SECONDS);
  }

  @Test
  void twoFunctionsServeAtOnce() throws Exception {
    await(Future.all(registry.deploy(demo("a")), registry.deploy(demo("b"))));
    List<RequestOutput> outs = List.of(ask("a"), ask("b")).stream().map(f -> {
      try {
        return await(f);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }).toList();
    for (RequestOutput o : outs) {
      assertEquals(FinishReason.LENGTH, o.finishReason());
      assertEquals(8, o.usage().completionTokens());
    }
    assertEquals(List.of("a", "b"), registry.list().stream().map(FunctionInfo::name).toList());
    assertTrue(registry.ready());
  }

  @Test
  void aBrokenFunctionIsFailedWithItsReasonWhileTheOtherServes() throws Exception {
    FunctionInfo broken = await(registry.deploy(at("broken", "/nonexistent/model-dir", "cpu")));
    FunctionInfo good = await(registry.deploy(demo("good")));
    assertEquals(FunctionState.FAILED, broken.state());
    assertEquals("model could not be loaded: see the server log for function 'broken'", broken.reason());
    assertTrue(registry.instance("broken").orElseThrow().reason().contains("/nonexistent/model-dir"));
    assertEquals(FunctionState.WARM, good.state());
    assertEquals(FunctionState.FAILED, registry.instance("broken").orElseThrow().state());
    assertEquals(FinishReason.LENGTH, await(ask("good")).finishReason());
    assertEquals(503, failure(ask("broken")).status());
  }

  @ParameterizedTest
  @ValueSource(strings = {"cuda:0", "npu:0"})
  void aDeviceThisBuildLacksEndsFailedWithAClearReasonWhileTheOtherServes(String device) throws Exception {
    await(registry.deploy(demo("good")));
    FunctionInfo info = await(registry.deploy(at("accel", FunctionManifest.ModelSpec.EMBEDDED_DEMO, device)));
    assertEquals(FunctionState.FAILED, info.state());
    assertTrue(info.reason().contains("device '" + device + "' is not available"), info.reason());
    assertTrue(info.reason().contains("EMBER_ERR_BACKEND_UNAVAILABLE"), info.reason());
    assertEquals(503, failure(ask("accel")).status());
    assertEquals(FinishReason.LENGTH, await(ask("good")).finishReason());
  }

  @Test
  void aTakenNameIsRefusedWith409() throws Exception {
    await(registry.deploy(at("x", "/nonexistent", "cpu")));
    FunctionException e = failure(registry.deploy(demo("x")));
    assertEquals(409, e.status());
    assertEquals(1, registry.list().size());
  }

  @Test
  void undeployDrainsFreesMemoryAndRemoves() throws Exception {
    long before = EmberNative.ember_allocated_bytes();
    await(registry.deploy(demo("a")));
    assertTrue(EmberNative.ember_allocated_bytes() > before);
    await(ask("a"));
    FunctionInfo info = await(registry.undeploy("a", Duration.ofSeconds(10)));
    assertEquals(FunctionState.COLD, info.state());
    assertTrue(registry.function("a").isEmpty());
    assertEquals(before, EmberNative.ember_allocated_bytes());
    FunctionInfo again = await(registry.deploy(demo("a")));
    assertEquals(FunctionState.WARM, again.state(), "the name is free again");
  }

  @Test
  void undeployingAnUnknownFunctionIs404() throws Exception {
    FunctionException e = failure(registry.undeploy("nope", Duration.ofSeconds(1)));
    assertEquals(404, e.status());
    assertNotNull(e.getMessage());
  }

  @Test
  void shutdownDrainsEveryFunction() throws Exception {
    long before = EmberNative.ember_allocated_bytes();
    await(Future.all(registry.deploy(demo("a")), registry.deploy(demo("b")),
        registry.deploy(at("broken", "/nonexistent", "cpu"))));
    await(registry.shutdown(Duration.ofSeconds(10)));
    assertEquals(List.of(), registry.list());
    assertEquals(before, EmberNative.ember_allocated_bytes());
  }
}
