package dev.ember.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.kv.internal.BlockPool;
import dev.ember.kv.internal.FreeBlockQueue;
import java.util.Collection;
import java.util.List;

/** Consistency checks of a manager's pool against the sequences that hold its blocks. */
final class KvInvariants {

  private KvInvariants() {}

  /**
   * No block is both free and referenced; each refcount equals the number of sequences holding
   * the block; the free queue is a consistent list of exactly the free blocks; every map entry
   * points to a block carrying that hash; free + used == usable.
   */
  static void check(KvCacheManager kv, Collection<KvSequence> live) {
    BlockPool pool = kv.pool();
    int n = pool.numBlocks();
    int[] holders = new int[n];
    for (KvSequence seq : live) {
      boolean[] seen = new boolean[n];
      assertTrue(seq.numComputedTokens() <= seq.numBlocks() * kv.blockSize(), "computed tokens without slots");
      for (int i = 0; i < seq.numBlocks(); i++) {
        int b = seq.blockTable()[i];
        assertTrue(b > BlockPool.NULL_BLOCK && b < n, "block id " + b + " out of range");
        assertFalse(seen[b], "sequence holds block " + b + " twice");
        seen[b] = true;
        holders[b]++;
      }
    }
    assertEquals(0, pool.refCount(BlockPool.NULL_BLOCK));
    assertFalse(pool.isFree(BlockPool.NULL_BLOCK), "null block in the free queue");
    int used = 0;
    int hashed = 0;
    for (int b = 1; b < n; b++) {
      assertEquals(holders[b], pool.refCount(b), "refcount of block " + b);
      assertEquals(holders[b] == 0, pool.isFree(b), "free flag of block " + b);
      if (holders[b] > 0) {
        used++;
      }
      if (pool.isCached(b)) {
        hashed++;
        assertEquals(b, pool.blockForKey(pool.key(b)), "map entry of block " + b);
      }
    }
    assertEquals(hashed, pool.numCachedBlocks(), "map entries without a hashed block");
    FreeBlockQueue queue = pool.freeQueue();
    boolean[] walked = new boolean[n];
    int count = 0;
    for (int b = queue.peekHead(); b >= 0; b = queue.nextOf(b)) {
      assertFalse(walked[b], "free queue loops at block " + b);
      walked[b] = true;
      assertEquals(0, pool.refCount(b), "referenced block " + b + " in the free queue");
      count++;
    }
    assertEquals(pool.numFreeBlocks(), count, "free queue length");
    assertEquals(pool.numUsableBlocks(), kv.numFreeBlocks() + used, "free + used");
  }

  /** The leak check: every block free, no references, queue consistent. */
  static void assertAllFree(KvCacheManager kv) {
    check(kv, List.of());
    assertEquals(kv.pool().numUsableBlocks(), kv.numFreeBlocks());
    assertEquals(0.0, kv.usage());
  }
}
