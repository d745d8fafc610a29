package dev.ember.function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.coldstart.ColdStartOptions;
import dev.ember.device.WeightPlacement;
import dev.ember.engine.EngineStats;
import dev.ember.http.EmberHttpServer;
import dev.ember.http.HttpOptions;
import dev.ember.kernels.EmberNative;
import dev.ember.sample.SamplingParams;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One function on two device contexts, {@code cpu:0} and {@code cpu:1}, of this (at least 2-CPU) machine,
 * served over real HTTP: both contexts serve, each one's threads run only on its CPU, each has its own
 * engine and KV cache, a prefix warmed on one context routes there, and idle contexts drain down to
 * minWarm while the function keeps serving.
 */
class DevicePoolTest {
  private static final String KEY = "sk-pool";
  @TempDir
  Path snapshots;
  private Vertx vertx;
  private FunctionRegistry registry;
  private EmberHttpServer server;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    registry = new FunctionRegistry(vertx, ServingMetrics.NOOP,
        FunctionLoadOptions.defaults().withColdStart(ColdStartOptions.defaults().withSnapshotDirectory(snapshots)));
    server = EmberHttpServer.start(vertx, registry, HttpOptions.defaults().withHost("127.0.0.1").withPort(0)
        .withApiKeys(List.of(KEY)), List.of()).await(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    registry.shutdown(Duration.ofSeconds(10)).await(60, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private static FunctionManifest twoContexts(Duration idle) {
    FunctionManifest m = DemoFunction.manifest().withDevice("cpu:0,cpu:1");
    return FunctionManifests.validate(m.withScaling(new FunctionManifest.Scaling(1, idle, 100, Duration.ofSeconds(60))),
        "test");
  }

  private FunctionPool deployTwo(Duration idle) throws Exception {
    FunctionInfo info = registry.deploy(twoContexts(idle)).await(180, TimeUnit.SECONDS);
    assertEquals(FunctionState.WARM, info.state());
    return registry.instance(DemoFunction.NAME).orElseThrow();
  }

  private HttpResponse<String> complete(String prompt) throws Exception {
    String body = "{\"model\":\"demo\",\"prompt\":\"" + prompt + "\",\"max_tokens\":3,\"temperature\":0}";
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/v1/completions"))
        .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static EngineStats stats(FunctionInstance context) {
    return context.info().stats();
  }

  @Test
  void bothContextsServeOnTheirOwnCpusWithTheirOwnEngineAndKvCache() throws Exception {
    FunctionPool pool = deployTwo(Duration.ofMinutes(5));
    List<FunctionInstance> contexts = pool.instances();
    assertEquals(2, contexts.size());
    assertEquals(List.of("cpu:0", "cpu:1"), pool.contexts().stream().map(FunctionPool.ContextInfo::device).toList());
    ContextWorker w0 = contexts.get(0).worker();
    ContextWorker w1 = contexts.get(1).worker();
    assertNotSame(w0.engine(), w1.engine());
    // Each context holds the manifest's whole KV budget for itself.
    assertEquals(w0.kvBlocks(), w1.kvBlocks());
    assertTrue(w0.kvBlocks() > 1);

    // Requests go to one context, then (with that one busy or the prompt cached elsewhere) the other:
    // serve one on each directly and one through the routed HTTP path.
    for (FunctionInstance c : contexts) {
      assertEquals(200, complete("hello").statusCode());
      c.submit(new InferenceRequest("direct-" + c.manifest().device(), "demo", new Prompt.Text("hi there"),
          SamplingParams.builder().maxTokens(2).temperature(0).build(), null, 0),
          out -> { }).await(60, TimeUnit.SECONDS);
    }
    assertTrue(eventually(() -> stats(contexts.get(0)).requestsFinished() >= 1
        && stats(contexts.get(1)).requestsFinished() >= 1));

    // The device thread and kernel threads of each context run only on its CPU.
    Map<String, String> affinity = threadAffinity();
    assertEquals("0", affinity.get("ember-cpu:0-dem"), affinity.toString());
    assertEquals("1", affinity.get("ember-cpu:1-dem"), affinity.toString());
  }

  @Test
  void aTwoCpuContextPinsItsDeviceThreadAndItsKernelThreadOneCpuEach() throws Exception {
    FunctionManifest m = DemoFunction.manifest().withDevice("cpu:0-1");
    FunctionInfo info = registry.deploy(FunctionManifests.validate(m, "test")).await(180, TimeUnit.SECONDS);
    assertEquals(FunctionState.WARM, info.state());
    assertEquals(200, complete("pinned").statusCode());
    Map<String, String> affinity = threadAffinity();
    assertEquals("0", affinity.get("ember-cpu:0-1-d"), affinity.toString()); // the device thread: member 0
    assertEquals("1", affinity.get("ember-k1"), affinity.toString()); // kernel thread member 1
  }

  @Test
  void aPrefixWarmedOnOneContextRoutesThere() throws Exception {
    FunctionPool pool = deployTwo(Duration.ofMinutes(5));
    FunctionInstance second = pool.instances().get(1);
    String prompt = "the quick brown fox jumps over the lazy dog ".repeat(12).strip();
    int[] ids = second.worker().tokenizer().encode(prompt, true);
    assertTrue(ids.length >= 4 * DemoFunction.manifest().engine().blockSize(), "prompt of " + ids.length + " tokens");
    // Warm the prefix on the second context only (the router would pick the first on a tie).
    CompletableFuture<Void> warmed = new CompletableFuture<>();
    second.submit(new InferenceRequest("warm", "demo", new Prompt.Text(prompt),
        SamplingParams.builder().maxTokens(1).temperature(0).build(), null, 0), out -> {
          if (out.requestFinished()) {
            warmed.complete(null);
          }
        }).await(60, TimeUnit.SECONDS);
    warmed.get(60, TimeUnit.SECONDS);
    long before0 = stats(pool.instances().get(0)).requestsFinished();
    long hits1 = stats(second).prefixCacheHits();

    assertEquals(200, complete(prompt).statusCode());

    assertTrue(eventually(() -> stats(second).prefixCacheHits() > hits1));
    assertEquals(before0, stats(pool.instances().get(0)).requestsFinished());
  }

  @Test
  void newPromptsLeaveTheContextThatTookMoreThanItsShare() throws Exception {
    FunctionPool pool = deployTwo(Duration.ofMinutes(5));
    List<FunctionInstance> contexts = pool.instances();
    long before0 = stats(contexts.get(0)).requestsFinished();
    long before1 = stats(contexts.get(1)).requestsFinished();
    // One at a time, prompts shorter than a block (no context caches any of them): on a tie the first context
    // wins until it took more than its share, then the second takes new prompts too. Before the n-th prompt
    // the bound is n / 2 + 4 (for n <= 32), so after 16 neither context can have taken more than 12 of them
    // (13 with the decay's rounding), whichever way a step still freeing its blocks tips a tie.
    for (int i = 0; i < 16; i++) {
      assertEquals(200, complete("prompt " + i).statusCode());
    }
    assertTrue(eventually(() -> stats(contexts.get(0)).requestsFinished() + stats(contexts.get(1)).requestsFinished()
        == before0 + before1 + 16));
    long on0 = stats(contexts.get(0)).requestsFinished() - before0;
    long on1 = stats(contexts.get(1)).requestsFinished() - before1;
    assertTrue(on0 <= 13 && on1 <= 13, "first " + on0 + ", second " + on1);
  }

  @Test
  void idleContextsDrainDownToMinWarmWhileTheFunctionKeepsServing() throws Exception {
    FunctionPool pool = deployTwo(Duration.ofMillis(300));
    assertTrue(eventually(() -> pool.contexts().stream().filter(c -> c.state() == FunctionState.COLD).count() == 1));
    Thread.sleep(600); // several idle checks: the last warm context stays (minWarm 1 counts for the function)
    List<FunctionState> states = pool.contexts().stream().map(FunctionPool.ContextInfo::state).toList();
    assertEquals(1, states.stream().filter(s -> s == FunctionState.WARM).count(), states.toString());
    assertEquals(1, states.stream().filter(s -> s == FunctionState.COLD).count(), states.toString());
    assertEquals(FunctionState.WARM, pool.state());
    assertEquals(200, complete("still serving").statusCode());
  }

  @Test
  void aColdFunctionWakesOneContextThenAnotherWhileTheFirstIsBusy() throws Exception {
    FunctionManifest m = twoContexts(Duration.ofMinutes(5));
    m = new FunctionManifest(m.name(), m.model(), m.device(), m.engine(), m.limits(),
        new FunctionManifest.Scaling(0, Duration.ofMinutes(5), 100, Duration.ofSeconds(60)),
        new FunctionManifest.Prewarm(false, List.of(), "UTC", List.of(), List.of(), Duration.ZERO), m.kafka());
    FunctionInfo info = registry.deploy(m).await(60, TimeUnit.SECONDS);
    assertEquals(FunctionState.COLD, info.state());
    FunctionPool pool = registry.instance(DemoFunction.NAME).orElseThrow();

    // The first request wakes one context only.
    assertEquals(200, complete("wake up").statusCode());
    assertEquals(List.of(FunctionState.WARM, FunctionState.COLD),
        pool.contexts().stream().map(FunctionPool.ContextInfo::state).toList());

    // While it is busy with a long request, the next request wakes the second context.
    CompletableFuture<Void> longDone = new CompletableFuture<>();
    pool.instances().get(0).submit(new InferenceRequest("long", "demo", new Prompt.Text("keep busy"),
        SamplingParams.builder().maxTokens(1000).ignoreEos(true).temperature(0).build(), null, 0), out -> {
          if (out.requestFinished()) {
            longDone.complete(null);
          }
        }).await(60, TimeUnit.SECONDS);
    assertEquals(200, complete("one more").statusCode());
    assertTrue(eventually(() -> pool.contexts().get(1).state() == FunctionState.WARM), pool.contexts().toString());
    longDone.get(120, TimeUnit.SECONDS);
  }

  @Test
  void replicatedWeightsGiveEachContextACopyThatServesTheSameGreedyOutputAsSharedWeights() throws Exception {
    String prompt = "replicas of the weights on every node";
    Map<WeightPlacement, List<List<Integer>>> outputs = new EnumMap<>(WeightPlacement.class);
    Map<WeightPlacement, Long> loadedBytes = new EnumMap<>(WeightPlacement.class);
    for (WeightPlacement w : WeightPlacement.values()) {
      long before = EmberNative.ember_allocated_bytes();
      FunctionInfo info = registry.deploy(FunctionManifests.validate(twoContexts(Duration.ofMinutes(5)).withWeights(w),
          "test")).await(180, TimeUnit.SECONDS);
      assertEquals(FunctionState.WARM, info.state(), w.toString());
      FunctionPool pool = registry.instance(DemoFunction.NAME).orElseThrow();
      assertEquals(List.of(FunctionState.WARM, FunctionState.WARM),
          pool.contexts().stream().map(FunctionPool.ContextInfo::state).toList());
      loadedBytes.put(w, EmberNative.ember_allocated_bytes() - before);
      List<List<Integer>> perContext = new ArrayList<>();
      for (FunctionInstance c : pool.instances()) {
        perContext.add(greedyTokens(c, prompt, 8));
      }
      outputs.put(w, perContext);
      registry.undeploy(DemoFunction.NAME, Duration.ofSeconds(10)).await(60, TimeUnit.SECONDS);
      // Undeployed, the contexts give back what they allocated (the copies included).
      assertTrue(eventually(() -> EmberNative.ember_allocated_bytes() <= before),
          w + ": " + (EmberNative.ember_allocated_bytes() - before) + " bytes left");
    }
    List<Integer> shared = outputs.get(WeightPlacement.SHARED).get(0);
    assertEquals(8, shared.size());
    assertEquals(List.of(shared, shared), outputs.get(WeightPlacement.SHARED));
    assertEquals(List.of(shared, shared), outputs.get(WeightPlacement.REPLICATE_PER_NODE));
    // Each of the two contexts holds a copy of the weights of its own (the shared ones are only mapped).
    long weightFileBytes = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(DemoModel.ensure(), "*.safetensors")) {
      for (Path f : files) {
        weightFileBytes += Files.size(f);
      }
    }
    long extra = loadedBytes.get(WeightPlacement.REPLICATE_PER_NODE) - loadedBytes.get(WeightPlacement.SHARED);
    assertTrue(extra >= 2 * weightFileBytes * 9 / 10, "replicated " + loadedBytes + ", weights " + weightFileBytes);
  }

  private static List<Integer> greedyTokens(FunctionInstance context, String prompt, int n) throws Exception {
    List<Integer> tokens = new ArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.submit(new InferenceRequest("greedy-" + System.nanoTime(), DemoFunction.NAME, new Prompt.Text(prompt),
        SamplingParams.builder().maxTokens(n).ignoreEos(true).temperature(0).build(), null, 0), out -> {
          synchronized (tokens) {
            tokens.add(out.tokenId());
          }
          if (out.requestFinished()) {
            done.complete(null);
          }
        }).await(60, TimeUnit.SECONDS);
    done.get(60, TimeUnit.SECONDS);
    synchronized (tokens) {
      return List.copyOf(tokens);
    }
  }

  @Test
  void aNumaNodeContextBindsItsKvCacheAndScratchToItsNode() throws Exception {
    long before = preferredBytes(0);
    FunctionManifest m = FunctionManifests.validate(DemoFunction.manifest().withDevice("numa:0"), "test");
    assertEquals(FunctionState.WARM, registry.deploy(m).await(180, TimeUnit.SECONDS).state());
    assertEquals(200, complete("bound to its node").statusCode());
    // mbind'ed memory shows in numa_maps under the policy "prefer:0"; the KV cache alone is most of kvCacheMemory.
    long bound = preferredBytes(0) - before;
    assertTrue(bound >= m.engine().kvCacheMemory() * 9 / 10, bound + " bytes bound to node 0");
  }

  /** Resident bytes of this process under the policy "prefer:<node>" (mbind to the node), from numa_maps. */
  private static long preferredBytes(int node) throws IOException {
    long bytes = 0;
    for (String line : Files.readAllLines(Path.of("/proc/self/numa_maps"))) {
      String[] f = line.split(" ");
      if (f.length < 2 || !f[1].equals("prefer:" + node)) {
        continue;
      }
      long pages = 0;
      long pageKb = 4;
      for (String field : f) {
        if (field.startsWith("anon=")) {
          pages = Long.parseLong(field.substring(5));
        } else if (field.startsWith("kernelpagesize_kB=")) {
          pageKb = Long.parseLong(field.substring(18));
        }
      }
      bytes += pages * pageKb * 1024;
    }
    return bytes;
  }

  /** Linux thread name (its first 15 characters) to Cpus_allowed_list, for this process's threads. */
  private static Map<String, String> threadAffinity() throws IOException {
    Map<String, String> out = new HashMap<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path t : tasks) {
        String name = null;
        String cpus = null;
        try {
          for (String line : Files.readAllLines(t.resolve("status"))) {
            if (line.startsWith("Name:")) {
              name = line.substring(5).strip();
            } else if (line.startsWith("Cpus_allowed_list:")) {
              cpus = line.substring(18).strip();
            }
          }
        } catch (IOException gone) {
          continue; // the thread ended meanwhile
        }
        if (name != null && (name.startsWith("ember-cpu:") || name.startsWith("ember-k"))) {
          String previous = out.put(name, cpus);
          if (previous != null && !previous.equals(cpus)) {
            out.put(name, previous + "|" + cpus);
          }
        }
      }
    }
    return out;
  }

  /** Polls {@code condition} for up to 20 s; its last value. */
  static boolean eventually(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(20);
    }
    return condition.getAsBoolean();
  }
}
