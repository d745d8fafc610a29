package dev.ember.kv;

/**
 * One cached KV block as a prefix snapshot stores it: its hash, its parent's hash (null for the first
 * block of a prefix), its token ids, and why it was chosen. Its K/V contents travel separately.
 *
 * <pre>{@code for (CachedBlock b : kv.hottestBlocks(64)) write(b.hash(), memory.readBlock(b.block())); }</pre>
 *
 * @param block the block id in the pool it was read from (meaningless in another pool)
 * @param hash the 32-byte block hash ({@link BlockHasher})
 * @param parentHash the previous block's 32-byte hash, or null when this block starts a prefix
 * @param tokens the block's token ids (block size of them)
 * @param pinned whether a pinned prefix holds it
 * @param hits prefix-cache hits on it since it was cached
 */
public record CachedBlock(int block, byte[] hash, byte[] parentHash, int[] tokens, boolean pinned, int hits) {}
