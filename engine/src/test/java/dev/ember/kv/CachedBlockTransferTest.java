package dev.ember.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Choosing the hottest cached prefixes for a snapshot and restoring them into another cache (block size 4). */
class CachedBlockTransferTest {
  private static final int BS = 4;

  static KvCacheManager manager(int numBlocks) {
    return new KvCacheManager(KvCacheOptions.defaults(numBlocks).withBlockSize(BS));
  }

  /** Computes a prompt in one step and frees it, leaving its full blocks cached. */
  static void compute(KvCacheManager kv, int[] tokens) {
    KvSequence s = new KvSequence(tokens, null);
    int cached = kv.lookupPrefix(s);
    assertTrue(kv.allocate(s, tokens.length - cached));
    kv.commitComputed(s, tokens.length - cached);
    kv.free(s);
  }

  @Test
  void theHottestBlocksComeAsWholeChainsParentsFirstMostHitFirst() {
    KvCacheManager kv = manager(16);
    compute(kv, KvCacheManagerTest.range(1, 13));       // chain A: 3 blocks
    compute(kv, KvCacheManagerTest.range(101, 109));    // chain B: 2 blocks
    for (int i = 0; i < 3; i++) {
      compute(kv, KvCacheManagerTest.range(101, 109));  // B is hit three times
    }
    List<CachedBlock> two = kv.hottestBlocks(2);
    assertEquals(2, two.size());
    assertNull(two.get(0).parentHash());
    assertArrayEquals(two.get(0).hash(), two.get(1).parentHash());
    assertArrayEquals(KvCacheManagerTest.range(101, 104), two.get(0).tokens());
    assertEquals(3, two.get(0).hits());

    List<CachedBlock> all = kv.hottestBlocks(100);
    assertEquals(5, all.size());
    assertArrayEquals(KvCacheManagerTest.range(1, 4), all.get(2).tokens(), "A's root before its children");
  }

  @Test
  void restoredBlocksAreCachedFreeBlocksThatPromptsHit() {
    KvCacheManager source = manager(16);
    compute(source, KvCacheManagerTest.range(1, 13));
    List<CachedBlock> blocks = source.hottestBlocks(100);

    KvCacheManager target = manager(16);
    List<KvEventBatch> batches = new ArrayList<>();
    target.setEventListener(batches::add);
    List<Integer> filled = new ArrayList<>();
    int[] restored = target.restore(blocks, (index, block) -> filled.add(index));
    target.flushEvents();
    assertArrayEquals(new int[] {0, 1, 2}, restored);
    assertEquals(List.of(0, 1, 2), filled);
    assertEquals(15, target.numFreeBlocks());
    assertEquals(3, batches.get(0).events().size());
    KvSequence probe = new KvSequence(KvCacheManagerTest.range(1, 14), null);
    assertEquals(12, target.lookupPrefix(probe));
  }

  @Test
  void aBlockWhoseHashDoesNotFollowFromItsParentAndTokensIsNotRestored() {
    KvCacheManager source = manager(16);
    compute(source, KvCacheManagerTest.range(1, 13));
    List<CachedBlock> blocks = new ArrayList<>(source.hottestBlocks(100));
    CachedBlock second = blocks.get(1);
    int[] forged = second.tokens().clone();
    forged[0] = 999;
    blocks.set(1, new CachedBlock(second.block(), second.hash(), second.parentHash(), forged, false, 0));

    KvCacheManager target = manager(16);
    int[] restored = target.restore(blocks, (index, block) -> {});
    assertArrayEquals(new int[] {0}, restored, "the forged block and its child (no cached parent) are skipped");
  }

  @Test
  void restoringStopsWhenNoFreeBlockIsLeft() {
    KvCacheManager source = manager(16);
    compute(source, KvCacheManagerTest.range(1, 13));
    KvCacheManager small = manager(3);
    assertEquals(2, small.restore(source.hottestBlocks(100), (index, block) -> {}).length);
  }
}
