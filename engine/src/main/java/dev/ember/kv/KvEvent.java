package dev.ember.kv;

import java.util.Arrays;
import java.util.Objects;

/**
 * A change to the set of blocks a pool caches, in the shapes of vLLM's KV events, so a cluster
 * prefix index can mirror every replica's cache. Hashes are 64-bit keys
 * ({@link BlockHasher#key64}).
 *
 * <pre>{@code
 * switch (event) {
 *   case KvEvent.BlockStored s -> index.add(s.blockHashes());
 *   case KvEvent.BlockRemoved r -> index.remove(r.blockHashes());
 *   case KvEvent.AllBlocksCleared c -> index.clear();
 * }
 * }</pre>
 */
public sealed interface KvEvent {

  /**
   * Consecutive full blocks of one sequence entered the cache.
   *
   * @param blockHashes keys of the stored blocks, in sequence order
   * @param parentBlockHash key of the block before the first one, or null when it is the first
   * @param tokenIds the stored blocks' token ids, flat ({@code blockHashes.length * blockSize})
   */
  record BlockStored(long[] blockHashes, Long parentBlockHash, int[] tokenIds, int blockSize)
      implements KvEvent {

    @Override
    public boolean equals(Object o) {
      return o instanceof BlockStored s && Arrays.equals(blockHashes, s.blockHashes)
          && Objects.equals(parentBlockHash, s.parentBlockHash)
          && Arrays.equals(tokenIds, s.tokenIds) && blockSize == s.blockSize;
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(blockHashes) * 31 + Arrays.hashCode(tokenIds);
    }

    @Override
    public String toString() {
      return "BlockStored[blockHashes=" + Arrays.toString(blockHashes) + ", parentBlockHash="
          + parentBlockHash + ", tokenIds=" + Arrays.toString(tokenIds) + ", blockSize=" + blockSize + "]";
    }
  }

  /** Blocks were evicted from the cache (their ids are reused for other contents). */
  record BlockRemoved(long[] blockHashes) implements KvEvent {

    @Override
    public boolean equals(Object o) {
      return o instanceof BlockRemoved r && Arrays.equals(blockHashes, r.blockHashes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(blockHashes);
    }

    @Override
    public String toString() {
      return "BlockRemoved[blockHashes=" + Arrays.toString(blockHashes) + "]";
    }
  }

  /** The whole cache was dropped ({@link KvCacheManager#reset()}). */
  record AllBlocksCleared() implements KvEvent {}
}
