package dev.ember.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.kv.KvEvent;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The follower against a peer simulated on the (local) event bus: batches in sequence are applied; a gap
 * or an unknown engine epoch makes it take a snapshot and apply the buffered batches after it.
 */
class KvEventFollowerTest {
  private final Vertx vertx = Vertx.vertx();
  private final PrefixIndex index = new PrefixIndex();
  private final EngineId peer = new EngineId("peer", "demo");

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private KvEventFollower follower() {
    return KvEventFollower.start(vertx, ((VertxInternal) vertx).createEventLoopContext(), "self", index).await();
  }

  private void publish(long epoch, long seq, KvEvent... events) {
    vertx.eventBus().publish(LocalEngines.EVENTS_ADDRESS,
        KvEventCodec.encodeBatch("peer", "demo", epoch, seq, System.currentTimeMillis(), List.of(events)));
  }

  private static KvEvent stored(long... hashes) {
    return new KvEvent.BlockStored(hashes, null, new int[0], 16);
  }

  private long[] blocks() throws InterruptedException {
    long[] out = index.engine(peer).toArray();
    Arrays.sort(out);
    return out;
  }

  private void awaitBlocks(long... expected) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!Arrays.equals(blocks(), expected) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertArrayEquals(expected, blocks());
  }

  @Test
  void appliesBatchesInSequenceAndIgnoresItsOwn() throws Exception {
    follower();
    publish(7, 0, stored(1, 2, 3));
    publish(7, 1, new KvEvent.BlockRemoved(new long[] {2}), stored(4));
    vertx.eventBus().publish(LocalEngines.EVENTS_ADDRESS, KvEventCodec.encodeBatch("self", "demo", 1, 0, 0,
        List.of(stored(99))));
    awaitBlocks(1, 3, 4);
    assertEquals(0, index.size(new EngineId("self", "demo")));
  }

  @Test
  void aGapInTheSequenceIsHealedByASnapshot() throws Exception {
    AtomicInteger snapshots = new AtomicInteger();
    vertx.eventBus().<String>consumer(LocalEngines.snapshotAddress("peer"), m -> {
      snapshots.incrementAndGet();
      m.reply(KvEventCodec.encodeSnapshot(7, 3, new long[] {1, 5, 6}, new long[] {1}));
    }).completion().await();
    KvEventFollower f = follower();
    publish(7, 0, stored(1, 2));
    awaitBlocks(1, 2);
    publish(7, 2, stored(8)); // batch 1 was lost: snapshot (current to 3), then batch 4 applies on top
    publish(7, 4, stored(9));
    awaitBlocks(1, 5, 6, 9);
    assertEquals(1, snapshots.get());
    assertEquals(1, f.snapshots());
  }

  @Test
  void allBlocksClearedEmptiesTheEngine() throws Exception {
    follower();
    publish(3, 0, stored(1, 2));
    publish(3, 1, new KvEvent.AllBlocksCleared());
    publish(3, 2, stored(5));
    awaitBlocks(5);
  }

  @Test
  void anEngineThatLeftIsForgotten() throws Exception {
    KvEventFollower f = follower();
    publish(3, 0, stored(1, 2));
    awaitBlocks(1, 2);
    f.forget("peer");
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (index.blocks("peer") != 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(0, index.blocks("peer"));
  }

}
