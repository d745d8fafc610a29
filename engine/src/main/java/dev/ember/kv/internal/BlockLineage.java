package dev.ember.kv.internal;

import dev.ember.kv.BlockHasher;

/**
 * What a cached block was computed from: its parent block's hash (or that it starts a prefix) and its
 * token ids. The pool's hash map alone cannot say which blocks form a prefix; a prefix snapshot needs
 * this to keep only whole chains and to let a restoring replica re-check each hash.
 * Valid for a block only while the pool caches it.
 *
 * <pre>{@code lineage.set(block, parentHashes, (b - 1) * 32, tokens, b * blockSize); }</pre>
 */
public final class BlockLineage {
  private static final int H = BlockHasher.HASH_BYTES;

  private final int blockSize;
  private final boolean[] root;
  private final byte[] parents;
  private final int[] tokens;

  public BlockLineage(int numBlocks, int blockSize) {
    this.blockSize = blockSize;
    root = new boolean[numBlocks];
    parents = new byte[numBlocks * H];
    tokens = new int[numBlocks * blockSize];
  }

  /**
   * Records a block's origin.
   *
   * @param parent hash of the previous block at {@code parentOffset}, or null for a prefix's first block
   * @param from the block's token ids are {@code blockTokens[from..from + blockSize)}
   */
  public void set(int block, byte[] parent, int parentOffset, int[] blockTokens, int from) {
    root[block] = parent == null;
    if (parent != null) {
      System.arraycopy(parent, parentOffset, parents, block * H, H);
    }
    System.arraycopy(blockTokens, from, tokens, block * blockSize, blockSize);
  }

  public boolean isRoot(int block) {
    return root[block];
  }

  /** The parent hash of a non-root block, as a raw array and offset for lookups. */
  public byte[] parentHashes() {
    return parents;
  }

  public int parentOffset(int block) {
    return block * H;
  }

  /** A copy of the block's token ids. */
  public int[] tokens(int block) {
    int[] out = new int[blockSize];
    System.arraycopy(tokens, block * blockSize, out, 0, blockSize);
    return out;
  }
}
