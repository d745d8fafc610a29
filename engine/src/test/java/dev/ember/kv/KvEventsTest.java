package dev.ember.kv;

import static dev.ember.kv.KvCacheManagerTest.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.kv.KvEvent.AllBlocksCleared;
import dev.ember.kv.KvEvent.BlockRemoved;
import dev.ember.kv.KvEvent.BlockStored;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Stored, removed and cleared events, batched per step with monotonic sequence numbers. */
class KvEventsTest {

  private static final int BS = 4;
  private final KvCacheManager kv = new KvCacheManager(KvCacheOptions.defaults(4).withBlockSize(BS));
  private final List<KvEventBatch> batches = new ArrayList<>();
  private final BlockHasher hasher = new BlockHasher(KvCacheOptions.DEFAULT_HASH_SEED);

  KvEventsTest() {
    kv.setEventListener(batches::add);
  }

  @Test
  void fullBlocksOfAStepAreOneBlockStoredWithTheirTokens() {
    KvSequence a = prefill(range(1, 10));
    kv.flushEvents();
    long[] keys = hasher.blockKeys(range(1, 10), 10, BS, null);
    assertEquals(List.of(new BlockStored(keys, null, range(1, 8), BS)), only().events());
    kv.free(a);
    KvInvariants.assertAllFree(kv);
  }

  @Test
  void aBlockCompletedByDecodingNamesItsParent() {
    KvSequence a = prefill(range(1, 6));
    kv.flushEvents();
    batches.clear();
    for (int t = 7; t <= 8; t++) {
      a.appendToken(t);
      assertTrue(kv.allocate(a, 1));
      kv.commitComputed(a, 1);
    }
    kv.flushEvents();
    long[] keys = hasher.blockKeys(range(1, 8), 8, BS, null);
    assertEquals(List.of(new BlockStored(new long[] {keys[1]}, keys[0], range(5, 8), BS)), only().events());
    kv.free(a);
    KvInvariants.assertAllFree(kv);
  }

  @Test
  void evictionsOfAStepAreOneBlockRemoved() {
    kv.free(prefill(range(1, 8))); // queue: 3, 2, 1 with 2 and 1 cached
    kv.flushEvents();
    KvSequence b = prefill(new int[] {99, 98, 97, 96, 95, 94, 93, 92, 91});
    kv.flushEvents();
    long[] aKeys = hasher.blockKeys(range(1, 8), 8, BS, null);
    List<KvEvent> events = batches.get(1).events();
    assertEquals(new BlockRemoved(new long[] {aKeys[1], aKeys[0]}), events.getFirst());
    assertTrue(events.get(1) instanceof BlockStored);
    kv.free(b);
    KvInvariants.assertAllFree(kv);
  }

  @Test
  void resetIsAllBlocksCleared() {
    assertTrue(kv.reset());
    kv.flushEvents();
    assertEquals(List.of(new AllBlocksCleared()), only().events());
  }

  @Test
  void aStepWithoutChangesEmitsNothing() {
    kv.flushEvents();
    KvSequence a = new KvSequence(new int[] {1, 2}, null);
    kv.lookupPrefix(a);
    assertTrue(kv.allocate(a, 2));
    kv.commitComputed(a, 2);
    kv.flushEvents();
    assertEquals(List.of(), batches);
    kv.free(a);
  }

  @Test
  void batchSequenceNumbersIncreaseByOne() {
    for (int i = 0; i < 3; i++) {
      kv.free(prefill(new int[] {i, i, i, i, i}));
      kv.flushEvents();
    }
    assertEquals(List.of(0L, 1L, 2L), batches.stream().map(KvEventBatch::sequence).toList());
  }

  @Test
  void anAddedListenerReceivesTheSameBatchesAsTheFirst() {
    List<KvEventBatch> second = new ArrayList<>();
    kv.addEventListener(second::add);
    kv.free(prefill(range(1, 10)));
    kv.flushEvents();
    assertEquals(1, second.size());
    assertEquals(batches, second);
  }

  @Test
  void anAddedListenerAloneTurnsEventsOn() {
    KvCacheManager fresh = new KvCacheManager(KvCacheOptions.defaults(4).withBlockSize(BS));
    List<KvEventBatch> got = new ArrayList<>();
    fresh.addEventListener(got::add);
    assertTrue(fresh.reset());
    fresh.flushEvents();
    assertEquals(List.of(new AllBlocksCleared()), got.getFirst().events());
  }

  private KvEventBatch only() {
    assertEquals(1, batches.size());
    return batches.getFirst();
  }

  private KvSequence prefill(int[] tokens) {
    KvSequence s = new KvSequence(tokens, null);
    int cached = kv.lookupPrefix(s);
    assertTrue(kv.allocate(s, tokens.length - cached));
    kv.commitComputed(s, tokens.length - cached);
    return s;
  }
}
