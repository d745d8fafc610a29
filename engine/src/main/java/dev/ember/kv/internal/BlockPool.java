package dev.ember.kv.internal;

import dev.ember.kv.BlockHasher;
import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * The block ids of one KV pool with their reference counts, the LRU queue of free blocks and the
 * map from block hash to the block caching it (vLLM v1's {@code BlockPool}).
 *
 * <p>Block 0 is the null block: never handed out, never free, its slots are where a runner
 * points padding entries of block tables and slot mappings. Usable blocks are 1..numBlocks-1.
 *
 * <p>A freed block keeps its hash and contents, and stays findable in the map until allocation
 * takes it from the LRU head; then its hash is dropped and {@code onEvict} hears its 64-bit key.
 *
 * <pre>{@code
 * BlockPool pool = new BlockPool(1024, key -> {});
 * int b = pool.allocate(); pool.cache(b, hash, 0); pool.release(b); // free but still cached
 * }</pre>
 */
public final class BlockPool {

  /** Id of the reserved padding block. */
  public static final int NULL_BLOCK = 0;

  private static final int H = BlockHasher.HASH_BYTES;

  private final int numBlocks;
  private final int[] refCounts;
  private final boolean[] hashed;
  private final long[] keys;
  private final byte[] hashes;
  private final int[] hits;
  private final FreeBlockQueue freeQueue;
  private final BlockHashTable cached;
  private final LongConsumer onEvict;

  /** @param numBlocks blocks in the native pool, the null block included (at least 2) */
  public BlockPool(int numBlocks, LongConsumer onEvict) {
    if (numBlocks < 2) {
      throw new IllegalArgumentException("a pool needs the null block and at least one more, got " + numBlocks);
    }
    this.numBlocks = numBlocks;
    this.onEvict = onEvict;
    refCounts = new int[numBlocks];
    hashed = new boolean[numBlocks];
    keys = new long[numBlocks];
    hashes = new byte[numBlocks * H];
    hits = new int[numBlocks];
    freeQueue = new FreeBlockQueue(numBlocks);
    cached = new BlockHashTable(numBlocks);
    for (int b = NULL_BLOCK + 1; b < numBlocks; b++) {
      freeQueue.append(b);
    }
  }

  /** All blocks, the null block included. */
  public int numBlocks() {
    return numBlocks;
  }

  /** Blocks that can ever be handed out. */
  public int numUsableBlocks() {
    return numBlocks - 1;
  }

  /** Blocks with no reference, cached or not. */
  public int numFreeBlocks() {
    return freeQueue.size();
  }

  /** Fraction of usable blocks referenced by some sequence (vLLM's kv_cache_usage_perc). */
  public double usage() {
    return 1.0 - (double) freeQueue.size() / numUsableBlocks();
  }

  /** Takes the least recently freed block (evicting its hash); the caller checks there is one. */
  public int allocate() {
    int block = freeQueue.popHead();
    if (block < 0) {
      throw new IllegalStateException("no free block");
    }
    if (hashed[block]) {
      cached.remove(keys[block]);
      hashed[block] = false;
      hits[block] = 0;
      onEvict.accept(keys[block]);
    }
    refCounts[block] = 1;
    return block;
  }

  /** Adds a reference to a block, taking it off the free queue if it was free. */
  public void touch(int block) {
    if (refCounts[block] == 0) {
      freeQueue.remove(block);
    }
    refCounts[block]++;
  }

  /** Drops a reference; a block that loses its last one goes to the tail of the free queue. */
  public void release(int block) {
    int refs = --refCounts[block];
    if (refs == 0) {
      freeQueue.append(block);
    } else if (refs < 0) {
      refCounts[block] = 0;
      throw new IllegalStateException("block " + block + " released more often than referenced");
    }
  }

  /** The block caching the hash at {@code hash[offset..offset+32)}, or -1. */
  public int cachedBlock(byte[] hash, int offset) {
    int block = cached.get(BlockHasher.key64(hash, offset));
    return block >= 0 && carries(block, hash, offset) ? block : -1;
  }

  /**
   * Gives a full, referenced block its hash and enters it in the map. Returns false, leaving the
   * block unhashed, when another block already caches a hash with the same 64-bit key.
   */
  public boolean cache(int block, byte[] hash, int offset) {
    if (hashed[block] || refCounts[block] == 0) {
      throw new IllegalStateException("block " + block + " is already cached or not referenced");
    }
    long key = BlockHasher.key64(hash, offset);
    if (cached.get(key) >= 0) {
      return false;
    }
    System.arraycopy(hash, offset, hashes, block * H, H);
    keys[block] = key;
    hashed[block] = true;
    hits[block] = 0;
    cached.put(key, block);
    return true;
  }

  /** Drops every hash; only allowed while no block is referenced. Returns whether it did. */
  public boolean clearCache() {
    if (freeQueue.size() != numUsableBlocks()) {
      return false;
    }
    Arrays.fill(hashed, false);
    cached.clear();
    return true;
  }

  /** Counts one prefix-cache hit on a cached block (its hotness, for snapshots). */
  public void recordHit(int block) {
    hits[block]++;
  }

  /** Prefix-cache hits on a block since it was cached. */
  public int hits(int block) {
    return hits[block];
  }

  /** The 32-byte hash of a cached block, copied into {@code out[offset..]}. */
  public void hash(int block, byte[] out, int offset) {
    System.arraycopy(hashes, block * H, out, offset, H);
  }

  public int refCount(int block) {
    return refCounts[block];
  }

  public boolean isFree(int block) {
    return freeQueue.contains(block);
  }

  public boolean isCached(int block) {
    return hashed[block];
  }

  /** The 64-bit key of a cached block's hash. */
  public long key(int block) {
    return keys[block];
  }

  /** Whether a block carries exactly the hash at {@code hash[offset..offset+32)}. */
  public boolean carries(int block, byte[] hash, int offset) {
    return hashed[block] && Arrays.equals(hashes, block * H, block * H + H, hash, offset, offset + H);
  }

  /** The block the map holds under a 64-bit key, or -1; for consistency checks. */
  public int blockForKey(long key) {
    return cached.get(key);
  }

  /** Number of entries in the hash map. */
  public int numCachedBlocks() {
    return cached.size();
  }

  /** The free queue in LRU order, for consistency checks and tests. */
  public FreeBlockQueue freeQueue() {
    return freeQueue;
  }
}
