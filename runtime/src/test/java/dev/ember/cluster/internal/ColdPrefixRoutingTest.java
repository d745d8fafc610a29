package dev.ember.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.cluster.RoutingPolicy;
import dev.ember.coldstart.ColdStartOptions;
import dev.ember.function.FunctionLoadOptions;
import dev.ember.function.FunctionManifest;
import dev.ember.function.FunctionPool;
import dev.ember.function.FunctionRegistry;
import dev.ember.function.FunctionState;
import dev.ember.function.InferenceRequest;
import dev.ember.function.Prompt;
import dev.ember.function.ServingMetrics;
import dev.ember.kv.BlockHasher;
import dev.ember.sample.SamplingParams;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A function that scales to zero keeps its prefix snapshot's blocks in the prefix index under its
 * engine, as a COLD engine, and answers peers' snapshot requests with them; when every candidate is
 * COLD, the router wakes the one whose snapshot covers most of the prompt. Real demo model, real
 * registry and snapshot file, this process's event bus.
 */
class ColdPrefixRoutingTest {
  private static final String MEMBER = "member-a";
  private static final String FUNCTION = "coldprefix";
  Vertx vertx;
  FunctionRegistry registry;
  PrefixIndex index;
  LocalEngines engines;

  @TempDir
  Path snapshots;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    registry = new FunctionRegistry(vertx, ServingMetrics.NOOP,
        FunctionLoadOptions.defaults().withColdStart(ColdStartOptions.defaults().withSnapshotDirectory(snapshots)));
    index = new PrefixIndex();
    engines = new LocalEngines(vertx.eventBus(), MEMBER, index);
    engines.serveSnapshots();
    registry.observeEngines(engines);
  }

  @AfterEach
  void stop() throws Exception {
    registry.shutdown(Duration.ofSeconds(10)).await(60, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void aColdFunctionsSnapshotBlocksRouteTheWakeUp() throws Exception {
    FunctionManifest m = DemoPrompts.demoNamed(FUNCTION);
    registry.deploy(m).await(120, TimeUnit.SECONDS);
    FunctionPool pool = registry.instance(FUNCTION).orElseThrow();
    int blockSize = m.engine().blockSize();
    int[] prompt = DemoPrompts.prompt(4 * blockSize + 3, 5, 7);
    complete(pool, prompt);
    long warmEpoch = engines.epoch(FUNCTION);

    pool.instances().get(0).drain(Duration.ofSeconds(10)).await(60, TimeUnit.SECONDS);
    assertEquals(FunctionState.COLD, pool.state());
    assertNotEquals(warmEpoch, engines.epoch(FUNCTION), "the snapshot's blocks are a stream of their own");

    long[] keys = new BlockHasher(m.engine().hashSeed()).blockKeys(prompt, prompt.length, blockSize, null);
    assertEquals(4, keys.length);
    EngineId cold = new EngineId(MEMBER, FUNCTION);
    assertEquals(4, index.overlap(cold, keys), "the prompt's blocks stay indexed for the COLD engine");
    assertTrue(index.holdersOfFirst(keys).contains(cold));

    // What a peer joining or following this engine takes: the same blocks, at the new epoch.
    Buffer reply = vertx.eventBus().<Buffer>request(LocalEngines.snapshotAddress(MEMBER), FUNCTION)
        .await(10, TimeUnit.SECONDS).body();
    KvEventCodec.Snapshot s = KvEventCodec.decodeSnapshot(reply);
    assertEquals(engines.epoch(FUNCTION), s.epoch());
    assertTrue(Arrays.stream(keys).allMatch(k -> Arrays.stream(s.hashes()).anyMatch(h -> h == k)));
    assertTrue(Arrays.stream(s.chainStarts()).anyMatch(h -> h == keys[0]));

    // Every candidate COLD: the one whose snapshot covers the prompt is woken, though the other is local.
    List<Candidate> everyoneCold = List.of(
        new Candidate(new EngineId("member-b", FUNCTION), "a-replica", true, FunctionState.COLD, 0, 0, null),
        new Candidate(cold, "z-replica", false, FunctionState.COLD, 0, 0, "127.0.0.1:1"));
    Candidate chosen = new Router(RoutingPolicy.CACHE_AWARE, 1.0).order(everyoneCold, keys, index).get(0);
    assertEquals("z-replica", chosen.replica());
    assertEquals(4, chosen.overlapBlocks());
  }

  @Test
  void aReplicaStartingWithTheFunctionColdIndexesTheSnapshotAnEarlierRunLeft() throws Exception {
    FunctionManifest m = DemoPrompts.demoNamed(FUNCTION);
    registry.deploy(m).await(120, TimeUnit.SECONDS);
    int blockSize = m.engine().blockSize();
    int[] prompt = DemoPrompts.prompt(3 * blockSize + 1, 7, 5);
    complete(registry.instance(FUNCTION).orElseThrow(), prompt);
    registry.undeploy(FUNCTION, Duration.ofSeconds(10)).await(60, TimeUnit.SECONDS);

    // The next run of the replica: the function stays COLD at deploy (no prewarm), its snapshot is on disk.
    PrefixIndex restarted = new PrefixIndex();
    LocalEngines restartedEngines = new LocalEngines(vertx.eventBus(), "member-c", restarted);
    FunctionRegistry next = new FunctionRegistry(vertx, ServingMetrics.NOOP,
        FunctionLoadOptions.defaults().withColdStart(ColdStartOptions.defaults().withSnapshotDirectory(snapshots)));
    next.observeEngines(restartedEngines);
    try {
      FunctionManifest.Scaling s = m.scaling();
      FunctionManifest cold = new FunctionManifest(FUNCTION, m.model(), m.device(), m.engine(), m.limits(),
          new FunctionManifest.Scaling(0, s.idleTimeout(), s.maxHeldRequests(), s.maxHoldTime(), s.maxContexts()),
          new FunctionManifest.Prewarm(false, List.of(), "UTC", List.of(), List.of(), Duration.ZERO),
          FunctionManifest.Kafka.defaults(FUNCTION));
      next.deploy(cold).await(60, TimeUnit.SECONDS);
      assertEquals(FunctionState.COLD, next.instance(FUNCTION).orElseThrow().state());
      long[] keys = new BlockHasher(m.engine().hashSeed()).blockKeys(prompt, prompt.length, blockSize, null);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (restartedEngines.epoch(FUNCTION) == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertNotEquals(0, restartedEngines.epoch(FUNCTION), "the snapshot's blocks were announced");
      assertEquals(3, restarted.overlap(new EngineId("member-c", FUNCTION), keys));
      assertEquals(FunctionState.COLD, next.instance(FUNCTION).orElseThrow().state(), "announcing woke nothing");
    } finally {
      next.shutdown(Duration.ofSeconds(10)).await(60, TimeUnit.SECONDS);
    }
  }

  private void complete(FunctionPool pool, int[] prompt) throws Exception {
    Promise<Void> done = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> pool.submit(new InferenceRequest("r-cold", FUNCTION,
        new Prompt.Tokens(prompt), SamplingParams.builder().temperature(0).maxTokens(2).ignoreEos(true).build(), null,
        0), out -> {
          if (out.requestFinished()) {
            done.tryComplete();
          }
        }).onFailure(done::tryFail));
    done.future().await(120, TimeUnit.SECONDS);
  }
}
