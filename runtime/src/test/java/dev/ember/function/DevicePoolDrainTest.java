package dev.ember.function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.cluster.internal.EngineId;
import dev.ember.cluster.internal.KvEventFollower;
import dev.ember.cluster.internal.LocalEngines;
import dev.ember.cluster.internal.PrefixIndex;
import dev.ember.coldstart.ColdStartOptions;
import dev.ember.kv.BlockHasher;
import dev.ember.kv.KvCacheOptions;
import dev.ember.kvevents.KvEventPublisher;
import dev.ember.kvevents.KvEventsOptions;
import dev.ember.sample.SamplingParams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * One context of a function on {@code cpu:0,cpu:1} draining while the other keeps serving: the replica's
 * cluster index (and a peer's copy of it, fed over the event bus) and the vLLM-format KV event topic lose
 * only the drained context's blocks; a prefix warmed on the other context stays indexed and still hits there.
 */
class DevicePoolDrainTest {
  private static final String SELF = "self";
  @TempDir
  Path snapshots;
  private Vertx vertx;
  private FunctionRegistry registry;
  private final PrefixIndex localIndex = new PrefixIndex();
  private final PrefixIndex peerIndex = new PrefixIndex();
  private ZContext zmq;
  private ZMQ.Socket sub;
  private KvEventPublisher publisher;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    registry = new FunctionRegistry(vertx, ServingMetrics.NOOP,
        FunctionLoadOptions.defaults().withColdStart(ColdStartOptions.defaults().withSnapshotDirectory(snapshots)));
    KvEventFollower.start(vertx, vertx.getOrCreateContext(), "peer", peerIndex).await(30, TimeUnit.SECONDS);
    zmq = new ZContext(1);
    sub = zmq.createSocket(SocketType.SUB);
    sub.subscribe(new byte[0]);
    sub.setHandshakeIvl(1000);
    int port = sub.bindToRandomPort("tcp://127.0.0.1");
    publisher = KvEventPublisher.start(KvEventsOptions.of("tcp://127.0.0.1:" + port), new SimpleMeterRegistry());
    awaitSubscription();
    registry.observeEngines(new LocalEngines(vertx.eventBus(), SELF, localIndex).andThen(publisher));
  }

  /**
   * Waits until the publisher's messages reach the subscriber: a PUB socket drops what it sends before the
   * subscription reaches it (and while a stalled handshake is retried), which once took the drain's removal
   * when the whole test ran inside the connection's first second. Probes are the stop of an engine of
   * another function the publisher never saw start; the ones still in flight are read off here.
   */
  private void awaitSubscription() {
    EngineDescription probe = new EngineDescription("probe", "cpu", "w", 16, "sha256_cbor", "0", 8);
    sub.setReceiveTimeOut(100);
    boolean arrived = false;
    for (int i = 0; i < 300 && !arrived; i++) {
      publisher.stopped(probe);
      arrived = sub.recv() != null;
      if (arrived) {
        sub.recv(); // sequence number
        sub.recv(); // payload
      }
    }
    assertTrue(arrived, "no message reached the subscriber");
    drainMessages(new ArrayList<>(), Duration.ofMillis(300));
  }

  @AfterEach
  void stop() throws Exception {
    registry.shutdown(Duration.ofSeconds(10)).await(60, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
    publisher.close();
    publisher.terminated().get(10, TimeUnit.SECONDS);
    zmq.close();
  }

  private static void serve(FunctionInstance context, String prompt) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.submit(new InferenceRequest("r-" + System.nanoTime(), DemoFunction.NAME, new Prompt.Text(prompt),
        SamplingParams.builder().maxTokens(1).temperature(0).build(), null, 0), out -> {
          if (out.requestFinished()) {
            done.complete(null);
          }
        }).await(60, TimeUnit.SECONDS);
    done.get(60, TimeUnit.SECONDS);
  }

  private static long[] blockKeys(FunctionInstance context, String prompt) throws Exception {
    int[] ids = context.tokenize(new Prompt.Text(prompt)).await(30, TimeUnit.SECONDS);
    int blockSize = context.manifest().engine().blockSize();
    assertTrue(ids.length >= 3 * blockSize, "prompt of " + ids.length + " tokens");
    return new BlockHasher(KvCacheOptions.DEFAULT_HASH_SEED).blockKeys(ids, ids.length, blockSize, null);
  }

  @Test
  void oneContextDrainingLeavesTheOtherContextsBlocksIndexedAndRoutable() throws Exception {
    FunctionManifest m = FunctionManifests.validate(DemoFunction.manifest().withDevice("cpu:0,cpu:1"), "test");
    assertEquals(FunctionState.WARM, registry.deploy(m).await(180, TimeUnit.SECONDS).state());
    FunctionPool pool = registry.instance(DemoFunction.NAME).orElseThrow();
    FunctionInstance first = pool.instances().get(0);
    FunctionInstance second = pool.instances().get(1);
    String kept = "the quick brown fox jumps over the lazy dog ".repeat(10).strip();
    String dropped = "pack my box with five dozen liquor jugs now ".repeat(10).strip();
    long[] keptKeys = blockKeys(second, kept);
    long[] droppedKeys = blockKeys(first, dropped);
    serve(second, kept);
    serve(first, dropped);
    EngineId engine = new EngineId(SELF, DemoFunction.NAME);
    int keptBlocks = keptKeys.length;
    assertTrue(DevicePoolTest.eventually(() -> localIndex.overlap(engine, keptKeys) == keptBlocks
        && localIndex.overlap(engine, droppedKeys) == droppedKeys.length
        && peerIndex.overlap(engine, keptKeys) == keptBlocks
        && peerIndex.overlap(engine, droppedKeys) == droppedKeys.length), "both prefixes indexed");
    List<String> payloads = new ArrayList<>();
    drainMessages(payloads, Duration.ofMillis(200)); // what was published so far

    first.drain(Duration.ofSeconds(10)).await(60, TimeUnit.SECONDS);
    assertEquals(List.of(FunctionState.COLD, FunctionState.WARM),
        pool.contexts().stream().map(FunctionPool.ContextInfo::state).toList());

    // The drained context's blocks leave the index, here and at the peer; the other context's stay.
    assertTrue(DevicePoolTest.eventually(() -> localIndex.overlap(engine, droppedKeys) == 0
        && peerIndex.overlap(engine, droppedKeys) == 0), "drained context's blocks removed");
    assertEquals(keptBlocks, localIndex.overlap(engine, keptKeys));
    assertEquals(keptBlocks, peerIndex.overlap(engine, keptKeys));

    // On the vLLM topic the drain is a removal of the drained context's blocks, never a clear of the function.
    payloads.clear();
    drainMessages(payloads, Duration.ofSeconds(2));
    assertTrue(payloads.stream().anyMatch(p -> p.contains("BlockRemoved")), "no removal published");
    assertFalse(payloads.stream().anyMatch(p -> p.contains("AllBlocksCleared")),
        "a context's drain cleared the function");

    // The prefix warmed on the remaining context still routes there and hits its cache.
    long hits = second.info().stats().prefixCacheHits();
    pool.submit(new InferenceRequest("again", DemoFunction.NAME, new Prompt.Text(kept),
        SamplingParams.builder().maxTokens(1).temperature(0).build(), null, 0), out -> { })
        .await(60, TimeUnit.SECONDS);
    assertTrue(DevicePoolTest.eventually(() -> second.info().stats().prefixCacheHits() > hits));
    assertEquals(FunctionState.COLD, first.state());
  }

  /** Receives messages until none arrives for {@code quiet}, adding each payload as text. */
  private void drainMessages(List<String> payloads, Duration quiet) {
    sub.setReceiveTimeOut((int) quiet.toMillis());
    for (int i = 0; i < 10_000; i++) {
      byte[] topic = sub.recv();
      if (topic == null) {
        return;
      }
      sub.recv(); // sequence number
      payloads.add(new String(sub.recv(), StandardCharsets.ISO_8859_1));
    }
  }
}
