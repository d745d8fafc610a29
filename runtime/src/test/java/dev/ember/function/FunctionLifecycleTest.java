package dev.ember.function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.coldstart.ColdStartOptions;
import dev.ember.engine.RequestOutput;
import dev.ember.kernels.EmberNative;
import dev.ember.sample.SamplingParams;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scale to zero on one replica: holding requests while cold, idle unload, failure recovery, prewarm. */
class FunctionLifecycleTest {
  Vertx vertx;
  final AtomicLong clock = new AtomicLong(1_000_000_000L);
  /** Prefix snapshots of this test's functions (never the user's cache). */
  @TempDir
  Path snapshots;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  static FunctionManifest manifest(String path, FunctionManifest.Scaling scaling, FunctionManifest.Prewarm prewarm) {
    FunctionManifest m = FunctionManifest.of("demo", path, null);
    return new FunctionManifest(m.name(), m.model(), m.device(),
        new FunctionManifest.EngineSettings(1024, 64, 512, 16, 64L << 20, 1, true), m.limits(), scaling, prewarm,
        m.kafka());
  }

  static FunctionManifest.Scaling scaling(int maxHeld, Duration maxHold, Duration idle) {
    return new FunctionManifest.Scaling(0, idle, maxHeld, maxHold);
  }

  FunctionInstance instance(FunctionManifest m) {
    return instance(m, FunctionLoadOptions.defaults());
  }

  FunctionInstance instance(FunctionManifest m, FunctionLoadOptions load) {
    ColdStartOptions coldStart = load.coldStart().snapshotDirectory() != null ? load.coldStart()
        : load.coldStart().withSnapshotDirectory(snapshots);
    return new FunctionInstance(vertx, m, ServingMetrics.NOOP, clock::get, Clock.systemUTC(),
        load.withColdStart(coldStart));
  }

  static InferenceRequest request(String id) {
    return new InferenceRequest(id, "demo", new Prompt.Text("hello"),
        SamplingParams.builder().temperature(0).maxTokens(3).ignoreEos(true).build(), null, 0);
  }

  /** Submits from an event loop; completes with the final output, or fails with the submission error. */
  Future<RequestOutput> call(FunctionInstance f, String id) {
    Promise<RequestOutput> done = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> f.submit(request(id), out -> {
      if (out.requestFinished()) {
        done.tryComplete(out);
      }
    }).onFailure(done::tryFail));
    return done.future();
  }

  static FunctionException failure(Future<?> f) throws Exception {
    return (FunctionException) f.transform(r -> Future.succeededFuture(r.cause())).await(60, TimeUnit.SECONDS);
  }

  @Test
  void aRequestWhileColdStartsTheWarmUpAndIsAnsweredOnceWarm() throws Exception {
    FunctionInstance f = instance(manifest(FunctionManifest.ModelSpec.EMBEDDED_DEMO,
        scaling(100, Duration.ofSeconds(60), Duration.ofMinutes(5)), FunctionManifest.Prewarm.defaults()));
    assertEquals(FunctionState.COLD, f.state());
    RequestOutput out = call(f, "cold").await(120, TimeUnit.SECONDS);
    assertEquals(3, out.usage().completionTokens());
    assertEquals(FunctionState.WARM, f.state());
  }

  @Test
  void fiftyConcurrentRequestsDuringTheWarmUpAreAllAnswered() throws Exception {
    FunctionInstance f = instance(manifest(FunctionManifest.ModelSpec.EMBEDDED_DEMO,
        scaling(100, Duration.ofSeconds(60), Duration.ofMinutes(5)), FunctionManifest.Prewarm.defaults()));
    List<Future<RequestOutput>> calls = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      calls.add(call(f, "c" + i));
    }
    for (Future<RequestOutput> c : calls) {
      assertEquals(3, c.await(120, TimeUnit.SECONDS).usage().completionTokens());
    }
    assertEquals(0, f.heldRequests());
  }

  @Test
  void beyondMaxHeldRequestsCallersGet429WithRetryAfter() throws Exception {
    FunctionInstance f = instance(manifest(FunctionManifest.ModelSpec.EMBEDDED_DEMO,
        scaling(2, Duration.ofSeconds(60), Duration.ofMinutes(5)), FunctionManifest.Prewarm.defaults()));
    Future<RequestOutput> a = call(f, "a");
    Future<RequestOutput> b = call(f, "b");
    FunctionException e = failure(call(f, "c"));
    assertEquals(429, e.status());
    assertTrue(e.retryAfterSeconds() >= 1);
    a.await(120, TimeUnit.SECONDS);
    b.await(120, TimeUnit.SECONDS);
  }

  @Test
  void pastMaxHoldTimeAHeldRequestGets503WithRetryAfter() throws Exception {
    // Prewarm prompts keep the warm-up far longer than the 1 ms hold even when the event loop's timer is
    // late (the embedded demo alone can load in a few milliseconds, and then the held request ran).
    List<String> prompts = java.util.Collections.nCopies(100, "Keep the device worker busy for a while");
    FunctionManifest.Prewarm prewarm = new FunctionManifest.Prewarm(false, List.of(), "UTC", prompts, List.of(),
        Duration.ZERO);
    FunctionInstance f = instance(manifest(FunctionManifest.ModelSpec.EMBEDDED_DEMO,
        scaling(10, Duration.ofMillis(1), Duration.ofMinutes(5)), prewarm));
    FunctionException e = failure(call(f, "slow"));
    assertEquals(503, e.status());
    assertTrue(e.getMessage().contains("warming up"), e.getMessage());
    assertTrue(e.retryAfterSeconds() >= 1);
  }

  static long rssBytes() throws IOException {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
      String rss = lines.filter(l -> l.startsWith("VmRSS:")).findFirst().orElseThrow();
      return Long.parseLong(rss.replaceAll("[^0-9]", "")) * 1024;
    }
  }

  @Test
  void anIdleFunctionScalesToZeroAndReturnsItsMemory() throws Exception {
    FunctionManifest m = manifest(FunctionManifest.ModelSpec.EMBEDDED_DEMO,
        scaling(100, Duration.ofSeconds(60), Duration.ofMinutes(5)), FunctionManifest.Prewarm.defaults());
    FunctionInstance f = instance(m);
    f.warm().await(120, TimeUnit.SECONDS);
    f.drain(Duration.ofSeconds(10)).await(30, TimeUnit.SECONDS);  // a first cycle loads classes and libraries
    long nativeBefore = EmberNative.ember_allocated_bytes();
    long rssBefore = rssBytes();
    call(f, "one").await(120, TimeUnit.SECONDS);
    assertEquals(FunctionState.WARM, f.state());
    assertTrue(EmberNative.ember_allocated_bytes() - nativeBefore >= 60L << 20, "KV cache allocated");

    clock.addAndGet(Duration.ofMinutes(4).toNanos());
    f.checkIdle();
    assertEquals(FunctionState.WARM, f.state(), "not idle long enough");
    clock.addAndGet(Duration.ofMinutes(2).toNanos());
    f.checkIdle();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (f.state() != FunctionState.COLD && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertEquals(FunctionState.COLD, f.state());
    assertEquals(nativeBefore, EmberNative.ember_allocated_bytes(), "every native byte freed");
    assertTrue(rssBytes() - rssBefore < (32L << 20), "resident memory back near its level before loading");
    assertEquals(3, call(f, "again").await(120, TimeUnit.SECONDS).usage().completionTokens(), "warms again on demand");
  }

  @Test
  void aFailedWarmUpFailsHeldRequestsAndRecoversOnceTheFileIsFixed(@TempDir Path dir) throws Exception {
    Path model = dir.resolve("model");
    FunctionInstance f = instance(manifest(model.toString(),
        scaling(100, Duration.ofSeconds(60), Duration.ofMinutes(5)), FunctionManifest.Prewarm.defaults()));
    FunctionException e = failure(call(f, "broken"));
    assertEquals(503, e.status());
    assertFalse(e.getMessage().contains(model.toString()), "clients never see paths: " + e.getMessage());
    assertTrue(e.getMessage().contains("see the server log for function 'demo'"), e.getMessage());
    assertTrue(f.reason().contains(model.toString()), "the log and operators do: " + f.reason());
    assertEquals(FunctionState.FAILED, f.state());
    assertEquals(503, failure(call(f, "within-backoff")).status(), "no new warm-up during the backoff");

    copyTree(DemoModel.ensure(), model);
    clock.addAndGet(Duration.ofSeconds(2).toNanos());
    assertEquals(3, call(f, "fixed").await(120, TimeUnit.SECONDS).usage().completionTokens());
    assertEquals(FunctionState.WARM, f.state());
  }

  @Test
  void aFailedFunctionTriesLoadingAgainOnlyAfterAnExponentialBackoff(@TempDir Path dir) throws Exception {
    FunctionInstance f = instance(manifest(dir.resolve("missing").toString(),
        scaling(100, Duration.ofSeconds(60), Duration.ofMinutes(5)), FunctionManifest.Prewarm.defaults()));
    assertEquals(503, failure(call(f, "first")).status());
    assertEquals(1, f.loadAttempts());
    for (int i = 0; i < 10; i++) {
      assertEquals(503, failure(call(f, "again-" + i)).status());
      assertEquals(503, failure(f.prewarm()).status());
    }
    assertEquals(1, f.loadAttempts(), "neither requests nor prewarm signals reload within the backoff");
    clock.addAndGet(Duration.ofMillis(1500).toNanos());
    assertEquals(503, failure(call(f, "after-1s")).status());
    assertEquals(2, f.loadAttempts(), "one retry once the first backoff (1s) passed");
    clock.addAndGet(Duration.ofMillis(1500).toNanos());
    assertEquals(503, failure(f.prewarm()).status());
    assertEquals(503, failure(call(f, "within-2s")).status());
    assertEquals(2, f.loadAttempts(), "the second backoff is 2s");
    clock.addAndGet(Duration.ofMillis(600).toNanos());
    assertEquals(503, failure(call(f, "after-2s")).status());
    assertEquals(3, f.loadAttempts());
  }

  @Test
  void aLoadPhaseOverItsTimeLimitFailsTheLoadAndTheLateLoadIsFreed() throws Exception {
    long before = EmberNative.ember_allocated_bytes();
    List<String> prompts = java.util.Collections.nCopies(100, "Keep the device worker busy for a while");
    FunctionManifest.Prewarm prewarm = new FunctionManifest.Prewarm(false, List.of(), "UTC", prompts, List.of(),
        Duration.ZERO);
    FunctionInstance f = instance(manifest(FunctionManifest.ModelSpec.EMBEDDED_DEMO,
        scaling(100, Duration.ofSeconds(60), Duration.ofMinutes(5)), prewarm),
        FunctionLoadOptions.defaults().withPhaseTimeout(Duration.ofMillis(1)));
    long t0 = System.nanoTime();
    FunctionException e = failure(f.warm());
    assertEquals(503, e.status());
    assertEquals(FunctionState.FAILED, f.state());
    assertTrue(f.publicReason().matches("load phase '\\w+' took longer than 1ms"), f.publicReason());
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "failed promptly");
    f.retire(Duration.ofSeconds(1)).await(30, TimeUnit.SECONDS);
    assertEquals(FunctionState.COLD, f.state());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (EmberNative.ember_allocated_bytes() != before && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(before, EmberNative.ember_allocated_bytes(), "the load that finished late was unloaded");
  }

  @Test
  void theSnapshotDirectoryKeepsOnlyTheMostRecentlyUsedSnapshots() throws Exception {
    FunctionLoadOptions load = FunctionLoadOptions.defaults()
        .withColdStart(ColdStartOptions.defaults().withSnapshotDirectory(snapshots).withSnapshotLimits(2, 1L << 30));
    FunctionManifest m = manifest(FunctionManifest.ModelSpec.EMBEDDED_DEMO,
        scaling(100, Duration.ofSeconds(60), Duration.ofMinutes(5)), FunctionManifest.Prewarm.defaults());
    for (int i = 0; i < 4; i++) {
      FunctionInstance f = instance(new FunctionManifest("churn-" + i, m.model(), m.device(), m.engine(), m.limits(),
          m.scaling(), m.prewarm(), m.kafka()), load);
      f.warm().await(120, TimeUnit.SECONDS);
      f.retire(Duration.ofSeconds(10)).await(30, TimeUnit.SECONDS);
      Thread.sleep(20); // distinct modification times
    }
    try (Stream<Path> files = Files.list(snapshots)) {
      assertEquals(List.of("prefix-churn-2.kvsnap", "prefix-churn-3.kvsnap"),
          files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".kvsnap")).sorted().toList());
    }
  }

  @Test
  void prewarmKeepsTheFunctionWarmForKeepWarmFor() throws Exception {
    FunctionManifest.Prewarm prewarm = new FunctionManifest.Prewarm(false, List.of(), "UTC",
        List.of("Warm up, please", "Another path"), List.of(), Duration.ofMinutes(30));
    FunctionInstance f = instance(manifest(FunctionManifest.ModelSpec.EMBEDDED_DEMO,
        scaling(100, Duration.ofSeconds(60), Duration.ofSeconds(0)), prewarm));
    f.prewarm().await(120, TimeUnit.SECONDS);
    assertEquals(2, f.info().stats().requestsFinished(), "the built-in hook ran both warm-up prompts");
    clock.addAndGet(Duration.ofMinutes(10).toNanos());
    f.checkIdle();
    assertEquals(FunctionState.WARM, f.state(), "kept warm by the prewarm");
    clock.addAndGet(Duration.ofMinutes(25).toNanos());
    f.checkIdle();
    f.drain(Duration.ofSeconds(1)).await(30, TimeUnit.SECONDS);
    assertEquals(FunctionState.COLD, f.state());
  }

  @Test
  void aPinnedSystemPromptHitsThePrefixCacheOnTheFirstRequest() throws Exception {
    String system = "You are Ember's test assistant. Answer briefly, politely and in plain English, please.";
    FunctionManifest.Prewarm prewarm = new FunctionManifest.Prewarm(true, List.of(), "UTC", List.of(), List.of(system),
        Duration.ZERO);
    // a function name of its own: prefix snapshots are kept per (model, function) across loads
    FunctionManifest m = manifest(FunctionManifest.ModelSpec.EMBEDDED_DEMO,
        scaling(100, Duration.ofSeconds(60), Duration.ofMinutes(5)), prewarm);
    String name = "pinned-" + Long.toHexString(System.nanoTime());
    FunctionInstance f = instance(new FunctionManifest(name, m.model(), m.device(), m.engine(), m.limits(),
        m.scaling(), m.prewarm(), m.kafka()));
    f.warm().await(120, TimeUnit.SECONDS);
    Promise<RequestOutput> done = Promise.promise();
    InferenceRequest r = new InferenceRequest("pinned", name, new Prompt.Chat(List.of(
        java.util.Map.of("role", "system", "content", system), java.util.Map.of("role", "user", "content", "Hi!")), true,
        java.util.Map.of()), SamplingParams.builder().temperature(0).maxTokens(2).build(), null, 0);
    vertx.getOrCreateContext().runOnContext(v -> f.submit(r, out -> {
      if (out.requestFinished()) {
        done.tryComplete(out);
      }
    }).onFailure(done::tryFail));
    RequestOutput out = done.future().await(60, TimeUnit.SECONDS);
    assertTrue(out.usage().cachedTokens() >= 16, "cached " + out.usage().cachedTokens() + " of "
        + out.usage().promptTokens());
  }

  @Test
  void pinnedPrefixesBeyondTheKvBudgetFailTheWarmUpWithTheReason() throws Exception {
    String system = "You are Ember's test assistant. Answer briefly, politely and in plain English, please. ".repeat(8);
    FunctionManifest.Prewarm prewarm = new FunctionManifest.Prewarm(false, List.of(), "UTC", List.of(), List.of(system),
        Duration.ZERO);
    FunctionManifest m = manifest(FunctionManifest.ModelSpec.EMBEDDED_DEMO,
        scaling(100, Duration.ofSeconds(60), Duration.ofMinutes(5)), prewarm);
    // 70 blocks of 4 KiB (the demo's 16-token f16 block): 69 usable, 64 of them for one 1024-token
    // sequence, so the pins may take 5 blocks (80 tokens) and this system prompt needs more.
    FunctionManifest.EngineSettings e = m.engine();
    FunctionManifest small = new FunctionManifest("pin-budget-" + Long.toHexString(System.nanoTime()), m.model(),
        m.device(), new FunctionManifest.EngineSettings(1024, e.maxNumSeqs(), e.maxNumBatchedTokens(), 16, 70 * 4096L,
            e.threads(), true), m.limits(), m.scaling(), m.prewarm(), m.kafka());
    FunctionInstance f = instance(small);
    Throwable failed = f.warm().transform(ar -> io.vertx.core.Future.succeededFuture(ar.cause()))
        .await(120, TimeUnit.SECONDS);
    assertNotNull(failed, "the warm-up fails");
    assertEquals(FunctionState.FAILED, f.state());
    assertTrue(f.reason().contains("pinned prefixes hold") && f.reason().contains("maxModelLen 1024"), f.reason());
  }

  @Test
  void theManifestsStepLimitsReachTheEngineAndALongPromptRunsInCappedChunks() throws Exception {
    FunctionManifest m = manifest(FunctionManifest.ModelSpec.EMBEDDED_DEMO,
        scaling(100, Duration.ofSeconds(60), Duration.ofMinutes(5)), FunctionManifest.Prewarm.defaults());
    FunctionManifest.EngineSettings e = m.engine();
    String name = "cap-" + Long.toHexString(System.nanoTime());
    FunctionInstance f = instance(new FunctionManifest(name, m.model(), m.device(),
        new FunctionManifest.EngineSettings(e.maxModelLen(), 8, 256, e.blockSize(), e.kvCacheMemory(), e.threads(),
            true, e.hashSeed(), 24), m.limits(), m.scaling(), m.prewarm(), m.kafka()));
    java.util.concurrent.CompletableFuture<dev.ember.engine.Engine> seen = new java.util.concurrent.CompletableFuture<>();
    f.observeEngines(new EngineObserver() {
      @Override
      public void started(dev.ember.engine.Engine engine, EngineDescription description) {
        seen.complete(engine);
      }

      @Override
      public void stopped(EngineDescription description) {}
    });
    SamplingParams three = SamplingParams.builder().temperature(0).maxTokens(3).ignoreEos(true).build();
    tokensRun(f, new InferenceRequest("w", name, new Prompt.Tokens(new int[] {1, 2, 3}), three, null, 0));
    dev.ember.engine.Engine engine = seen.get(30, TimeUnit.SECONDS);
    dev.ember.sched.SchedulerOptions so = engine.schedulerOptions();
    assertEquals(24, so.longPrefillTokenThreshold());
    assertEquals(256, so.maxNumBatchedTokens());
    assertEquals(8, so.maxNumSeqs());
    long before = settledSteps(engine);
    int[] prompt = new java.util.SplittableRandom(5).ints(90, 0, 1000).toArray();
    RequestOutput out = tokensRun(f, new InferenceRequest("c", name, new Prompt.Tokens(prompt), three, null, 0));
    assertEquals(3, out.usage().completionTokens());
    assertEquals(4 + 2, settledSteps(engine) - before,
        "the 90-token prompt in chunks of 24, 24, 24 and 18 (the last yields the first token), then two decodes");
  }

  /** The engine's step count once it stops moving (a step counts itself after it has emitted its outputs). */
  static long settledSteps(dev.ember.engine.Engine engine) throws InterruptedException {
    long last = -1;
    long now = engine.stats().steps();
    for (int i = 0; i < 100 && now != last; i++) {
      Thread.sleep(100);
      last = now;
      now = engine.stats().steps();
    }
    return now;
  }

  @Test
  void thePrefixCacheSurvivesAColdStartThroughItsSnapshot() throws Exception {
    FunctionManifest m = manifest(FunctionManifest.ModelSpec.EMBEDDED_DEMO,
        scaling(100, Duration.ofSeconds(60), Duration.ofMinutes(5)), FunctionManifest.Prewarm.defaults());
    String name = "snap-" + Long.toHexString(System.nanoTime());
    FunctionInstance f = instance(new FunctionManifest(name, m.model(), m.device(), m.engine(), m.limits(),
        m.scaling(), m.prewarm(), m.kafka()));
    int[] prompt = new java.util.SplittableRandom(4).ints(70, 0, 1000).toArray();
    InferenceRequest r = new InferenceRequest("s", name, new Prompt.Tokens(prompt),
        SamplingParams.builder().temperature(0).maxTokens(2).build(), null, 0);
    assertEquals(0, tokensRun(f, r).usage().cachedTokens(), "nothing cached at first");
    f.drain(Duration.ofSeconds(10)).await(30, TimeUnit.SECONDS);
    assertEquals(FunctionState.COLD, f.state());
    RequestOutput after = tokensRun(f, r);
    assertEquals(64, after.usage().cachedTokens(), "the four full blocks came back from the snapshot");
  }

  @Test
  void replicasSharingASnapshotDirectoryEachRestoreOnlyTheirOwnPrefixes() throws Exception {
    FunctionManifest m = manifest(FunctionManifest.ModelSpec.EMBEDDED_DEMO,
        scaling(100, Duration.ofSeconds(60), Duration.ofMinutes(5)), FunctionManifest.Prewarm.defaults());
    String name = "shared-" + Long.toHexString(System.nanoTime());
    FunctionManifest shared = new FunctionManifest(name, m.model(), m.device(), m.engine(), m.limits(), m.scaling(),
        m.prewarm(), m.kafka());
    ColdStartOptions cold = ColdStartOptions.defaults().withSnapshotDirectory(snapshots);
    FunctionInstance a = instance(shared, FunctionLoadOptions.defaults().withColdStart(cold.withSnapshotOwner("a")));
    FunctionInstance b = instance(shared,
        FunctionLoadOptions.defaults().withColdStart(cold.withSnapshotOwner("10.0.0.2:5701")));
    SamplingParams two = SamplingParams.builder().temperature(0).maxTokens(2).build();
    InferenceRequest onA = new InferenceRequest("a", name, new Prompt.Tokens(
        new java.util.SplittableRandom(6).ints(70, 0, 1000).toArray()), two, null, 0);
    InferenceRequest onB = new InferenceRequest("b", name, new Prompt.Tokens(
        new java.util.SplittableRandom(7).ints(70, 0, 1000).toArray()), two, null, 0);
    assertEquals(0, tokensRun(a, onA).usage().cachedTokens());
    a.drain(Duration.ofSeconds(10)).await(30, TimeUnit.SECONDS);
    assertEquals(0, tokensRun(b, onA).usage().cachedTokens(), "b does not restore a's snapshot");
    assertEquals(0, tokensRun(b, onB).usage().cachedTokens());
    b.drain(Duration.ofSeconds(10)).await(30, TimeUnit.SECONDS);
    assertEquals(64, tokensRun(a, onA).usage().cachedTokens(), "a restores its own prefix, not overwritten by b");
    assertEquals(0, tokensRun(a, onB).usage().cachedTokens(), "and none of b's");
    a.drain(Duration.ofSeconds(10)).await(30, TimeUnit.SECONDS);
    try (Stream<Path> files = Files.list(snapshots)) {
      assertEquals(List.of("prefix-" + name + "@10.0.0.2-5701.kvsnap", "prefix-" + name + "@a.kvsnap"),
          files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".kvsnap")).sorted().toList());
    }
  }

  Future<RequestOutput> submitOn(FunctionInstance f, InferenceRequest r) {
    Promise<RequestOutput> done = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> f.submit(r, out -> {
      if (out.requestFinished()) {
        done.tryComplete(out);
      }
    }).onFailure(done::tryFail));
    return done.future();
  }

  RequestOutput tokensRun(FunctionInstance f, InferenceRequest r) throws Exception {
    return submitOn(f, r).await(120, TimeUnit.SECONDS);
  }

  static void copyTree(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path p : files.toList()) {
        Files.copy(p, to.resolve(p.getFileName()));
      }
    }
  }
}
