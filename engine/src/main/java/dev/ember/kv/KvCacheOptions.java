package dev.ember.kv;

import java.util.Objects;

/**
 * Settings of one model's paged KV cache.
 *
 * <pre>{@code new KvCacheManager(KvCacheOptions.defaults(numBlocks).withBlockSize(128))}</pre>
 *
 * @param numBlocks {@value #NUM_BLOCKS_DOC}
 * @param blockSize {@value #BLOCK_SIZE_DOC}
 * @param hashSeed {@value #HASH_SEED_DOC}
 * @param enablePrefixCaching {@value #ENABLE_PREFIX_CACHING_DOC}
 */
public record KvCacheOptions(int numBlocks, int blockSize, String hashSeed, boolean enablePrefixCaching) {

  public static final String NUM_BLOCKS_DOC =
      "Blocks in the native KV pool, including the reserved null block 0.";
  public static final int DEFAULT_BLOCK_SIZE = 16;
  public static final String BLOCK_SIZE_DOC =
      "Token slots per block: 16 on CPU and CUDA, 128 on Ascend.";
  public static final String DEFAULT_HASH_SEED = "ember";
  public static final String HASH_SEED_DOC =
      "Seed of the block hash chain; replicas that share a prefix index must use the same seed"
          + " (vLLM's PYTHONHASHSEED value to match vLLM).";
  public static final boolean DEFAULT_ENABLE_PREFIX_CACHING = true;
  public static final String ENABLE_PREFIX_CACHING_DOC =
      "Reuse the KV blocks of identical prompt prefixes across requests.";

  public KvCacheOptions {
    if (numBlocks < 2) {
      throw new IllegalArgumentException("numBlocks must be at least 2 (null block + one), got " + numBlocks);
    }
    if (blockSize < 1) {
      throw new IllegalArgumentException("blockSize must be positive, got " + blockSize);
    }
    Objects.requireNonNull(hashSeed, "hashSeed");
  }

  /** Defaults for everything but the pool size. */
  public static KvCacheOptions defaults(int numBlocks) {
    return new KvCacheOptions(numBlocks, DEFAULT_BLOCK_SIZE, DEFAULT_HASH_SEED, DEFAULT_ENABLE_PREFIX_CACHING);
  }

  public KvCacheOptions withBlockSize(int size) {
    return new KvCacheOptions(numBlocks, size, hashSeed, enablePrefixCaching);
  }

  public KvCacheOptions withHashSeed(String seed) {
    return new KvCacheOptions(numBlocks, blockSize, seed, enablePrefixCaching);
  }

  public KvCacheOptions withPrefixCaching(boolean enabled) {
    return new KvCacheOptions(numBlocks, blockSize, hashSeed, enabled);
  }
}
