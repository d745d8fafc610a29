package dev.ember.kv;

import dev.ember.kv.internal.BlockLineage;
import dev.ember.kv.internal.BlockPool;
import dev.ember.kv.internal.EventRecorder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Moves cached blocks out of and into a {@link KvCacheManager}'s pool for prefix snapshots: picks the
 * hottest whole prefix chains, and registers restored blocks as cached free blocks. Used through
 * {@link KvCacheManager#hottestBlocks} and {@link KvCacheManager#restore}; engine thread only.
 */
final class PrefixCacheTransfer {
  private static final int H = BlockHasher.HASH_BYTES;

  private PrefixCacheTransfer() {}

  /**
   * Up to {@code maxBlocks} cached blocks, parents before children, every chosen block's ancestors
   * chosen too (a block is useless without them). Priority: pinned, then most hits, then most recent.
   */
  static List<CachedBlock> hottest(BlockPool pool, BlockLineage lineage, int[] pinCount, int maxBlocks) {
    int n = pool.numBlocks();
    int[] recency = new int[n];
    int rank = 1;
    for (int b = pool.freeQueue().peekHead(); b >= 0; b = pool.freeQueue().nextOf(b)) {
      recency[b] = rank++;
    }
    List<Integer> candidates = new ArrayList<>();
    for (int b = 1; b < n; b++) {
      if (pool.isCached(b)) {
        if (pool.refCount(b) > 0) {
          recency[b] = Integer.MAX_VALUE;
        }
        candidates.add(b);
      }
    }
    candidates.sort(Comparator.<Integer>comparingInt(b -> pinCount[b] > 0 ? 0 : 1)
        .thenComparing(Comparator.<Integer>comparingInt(pool::hits).reversed())
        .thenComparing(Comparator.<Integer>comparingInt(b -> recency[b]).reversed()));
    boolean[] chosen = new boolean[n];
    List<CachedBlock> out = new ArrayList<>();
    List<Integer> chain = new ArrayList<>();
    for (int b : candidates) {
      chain.clear();
      boolean whole = true;
      for (int cur = b; cur >= 0 && !chosen[cur]; ) {
        chain.add(cur);
        if (lineage.isRoot(cur)) {
          break;
        }
        cur = pool.cachedBlock(lineage.parentHashes(), lineage.parentOffset(cur));
        if (cur < 0) {
          whole = false;
        }
      }
      if (!whole || chain.isEmpty() || out.size() + chain.size() > maxBlocks) {
        continue;
      }
      for (int i = chain.size() - 1; i >= 0; i--) {
        int c = chain.get(i);
        chosen[c] = true;
        byte[] hash = new byte[H];
        pool.hash(c, hash, 0);
        byte[] parent = lineage.isRoot(c) ? null
            : Arrays.copyOfRange(lineage.parentHashes(), lineage.parentOffset(c), lineage.parentOffset(c) + H);
        out.add(new CachedBlock(c, hash, parent, lineage.tokens(c), pinCount[c] > 0, pool.hits(c)));
      }
    }
    return out;
  }

  /**
   * Restores blocks (parents first) into free blocks: each gets its contents from {@code filler},
   * its hash, lineage and a BlockStored event; at the end they are released least valuable first, so
   * they sit in the LRU queue as cached free blocks with the hottest evicted last. A block is skipped
   * when it is already cached, its parent is not cached, its hash does not follow from its parent and
   * tokens, or no free block is left. Returns the restored blocks' indexes in {@code blocks}.
   */
  static int[] restore(BlockPool pool, BlockLineage lineage, BlockHasher hasher, EventRecorder events,
      int blockSize, List<CachedBlock> blocks, KvCacheManager.BlockFiller filler) {
    int[] held = new int[blocks.size()];
    int[] restored = new int[blocks.size()];
    int count = 0;
    byte[] check = new byte[H];
    for (int i = 0; i < blocks.size(); i++) {
      CachedBlock c = blocks.get(i);
      if (pool.numFreeBlocks() == 0) {
        break;
      }
      if (c.hash().length != H || c.tokens().length != blockSize || pool.cachedBlock(c.hash(), 0) >= 0) {
        continue;
      }
      if (c.parentHash() != null) {
        if (pool.cachedBlock(c.parentHash(), 0) < 0) {
          continue;
        }
        hasher.hashBlock(c.parentHash(), 0, c.tokens(), 0, blockSize, null, check, 0);
        if (!Arrays.equals(check, c.hash())) {
          continue;
        }
      }
      int block = pool.allocate();
      filler.fill(i, block);
      if (!pool.cache(block, c.hash(), 0)) {
        pool.release(block);
        continue;
      }
      lineage.set(block, c.parentHash(), 0, c.tokens(), 0);
      if (events.enabled()) {
        Long parent = c.parentHash() == null ? null : BlockHasher.key64(c.parentHash(), 0);
        events.add(new KvEvent.BlockStored(new long[] {BlockHasher.key64(c.hash(), 0)}, parent, c.tokens().clone(),
            blockSize));
      }
      held[count] = block;
      restored[count++] = i;
    }
    for (int k = count - 1; k >= 0; k--) {
      pool.release(held[k]);
    }
    return Arrays.copyOf(restored, count);
  }
}
