package dev.ember.kv;

import java.util.Arrays;
import java.util.Objects;

/**
 * One sequence's view of the KV cache: its token ids (prompt, then each sampled token), how many
 * of them have their K/V in the cache, its block table, and its block hashes (computed once,
 * kept across preemption). The scheduler creates one per sequence and drives it through
 * {@link KvCacheManager}.
 *
 * <pre>{@code
 * KvSequence seq = new KvSequence(promptIds, cacheSalt);
 * int cached = kv.lookupPrefix(seq);
 * if (kv.allocate(seq, seq.numTokens() - cached)) { ... step ...; kv.commitComputed(seq, n); }
 * seq.appendToken(sampled);
 * }</pre>
 */
public final class KvSequence {

  private final String cacheSalt;
  int[] tokens;
  int numTokens;
  int numComputedTokens;
  int[] blockTable;
  int numBlocks;
  /** Blocks found by the last lookup, in blockTable[0..n) but not yet referenced. */
  int pendingHitBlocks;
  /** Prompt tokens the last lookup queried, counted in the prefix stats once allocate takes its hits. */
  int pendingQueryTokens;
  /** Leading blocks already offered to the prefix cache. */
  int numCachedBlocks;
  byte[] hashes;
  int numHashes;

  /**
   * @param promptTokens the prompt's token ids (copied; at least one)
   * @param cacheSalt the tenant's {@code cache_salt}, or null; different salts never share blocks
   */
  public KvSequence(int[] promptTokens, String cacheSalt) {
    if (promptTokens.length == 0) {
      throw new IllegalArgumentException("a sequence needs at least one prompt token");
    }
    this.tokens = Arrays.copyOf(promptTokens, Math.max(16, promptTokens.length + promptTokens.length / 2));
    this.numTokens = promptTokens.length;
    this.cacheSalt = cacheSalt;
    this.blockTable = new int[8];
    this.hashes = new byte[8 * BlockHasher.HASH_BYTES];
  }

  private KvSequence(KvSequence parent) {
    cacheSalt = parent.cacheSalt;
    tokens = parent.tokens.clone();
    numTokens = parent.numTokens;
    blockTable = new int[parent.blockTable.length];
    hashes = parent.hashes.clone();
    numHashes = parent.numHashes;
  }

  /** A copy of this sequence's tokens and hashes, holding no blocks; for forking. */
  KvSequence copyWithoutBlocks() {
    return new KvSequence(this);
  }

  /** Appends a sampled token; its K/V is computed by a later step. */
  public void appendToken(int tokenId) {
    if (numTokens == tokens.length) {
      tokens = Arrays.copyOf(tokens, numTokens * 2);
    }
    tokens[numTokens++] = tokenId;
  }

  public int numTokens() {
    return numTokens;
  }

  public int tokenAt(int position) {
    Objects.checkIndex(position, numTokens);
    return tokens[position];
  }

  public String cacheSalt() {
    return cacheSalt;
  }

  /** Tokens whose K/V are in the cache: from a prefix hit or committed after a step. */
  public int numComputedTokens() {
    return numComputedTokens;
  }

  /** Blocks this sequence holds references to. */
  public int numBlocks() {
    return numBlocks;
  }

  /**
   * The block table, valid in {@code [0, numBlocks())}; the array itself, not a copy, and
   * replaced by a larger one when the table grows, so read it again after each allocation.
   */
  public int[] blockTable() {
    return blockTable;
  }

  void ensureBlockCapacity(int blocks) {
    if (blocks > blockTable.length) {
      blockTable = Arrays.copyOf(blockTable, Math.max(blocks, blockTable.length * 2));
    }
  }

  void ensureHashCapacity(int blocks) {
    int bytes = blocks * BlockHasher.HASH_BYTES;
    if (bytes > hashes.length) {
      hashes = Arrays.copyOf(hashes, Math.max(bytes, hashes.length * 2));
    }
  }

  /** Forgets blocks and computed tokens (after free or preemption); tokens and hashes stay. */
  void clearBlocks() {
    numBlocks = 0;
    numComputedTokens = 0;
    pendingHitBlocks = 0;
    pendingQueryTokens = 0;
    numCachedBlocks = 0;
  }
}
