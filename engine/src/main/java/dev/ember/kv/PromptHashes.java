package dev.ember.kv;

import java.util.Objects;

/**
 * The block hashes of a prompt's full blocks, computed once ahead of the engine (where a router hashes
 * the prompt to find the engine caching it) and handed to the engine with the request, so the engine's
 * prefix cache does not hash the prompt a second time. They name what they were computed under (seed,
 * block size, salt); a cache computed under anything else ignores them and hashes for itself.
 *
 * <pre>{@code PromptHashes h = PromptHashes.of(hasher, "ember", ids, 16, salt); long[] keys = h.keys(); }</pre>
 *
 * @param hashes {@code blocks * 32} bytes: block {@code b}'s hash at {@code b * 32}
 * @param cacheSalt the salt the first block was hashed with, or null
 */
public record PromptHashes(String seed, int blockSize, String cacheSalt, byte[] hashes) {
  public PromptHashes {
    Objects.requireNonNull(seed, "seed");
    Objects.requireNonNull(hashes, "hashes");
    if (blockSize <= 0 || hashes.length % BlockHasher.HASH_BYTES != 0) {
      throw new IllegalArgumentException("block size " + blockSize + ", " + hashes.length + " hash bytes");
    }
  }

  /** Hashes the full blocks of {@code tokens} with {@code hasher}, which must have been made for {@code seed}. */
  public static PromptHashes of(BlockHasher hasher, String seed, int[] tokens, int blockSize, String cacheSalt) {
    return new PromptHashes(seed, blockSize, cacheSalt,
        hasher.blockHashes(tokens, tokens.length, blockSize, cacheSalt));
  }

  public int blocks() {
    return hashes.length / BlockHasher.HASH_BYTES;
  }

  /** The blocks' 64-bit keys ({@link BlockHasher#key64}), as routing and KV events use them. */
  public long[] keys() {
    long[] keys = new long[blocks()];
    for (int b = 0; b < keys.length; b++) {
      keys[b] = BlockHasher.key64(hashes, b * BlockHasher.HASH_BYTES);
    }
    return keys;
  }
}
