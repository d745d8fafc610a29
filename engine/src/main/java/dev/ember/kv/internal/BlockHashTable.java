package dev.ember.kv.internal;

import java.util.Arrays;

/**
 * Open-addressing map from a block hash's 64-bit key to the id of the block that caches it
 * (linear probing, backward-shift deletion; no boxing, no per-entry objects). Callers compare
 * the full 32-byte hash themselves: two hashes with the same key simply cannot both be cached.
 *
 * <pre>{@code
 * BlockHashTable t = new BlockHashTable(numBlocks);
 * t.put(key, block); int b = t.get(key); t.remove(key);
 * }</pre>
 */
public final class BlockHashTable {

  private static final int EMPTY = -1;

  private final long[] keys;
  private final int[] values;
  private final int mask;
  private int size;

  /** @param maxEntries the most entries it will ever hold (the pool's block count) */
  public BlockHashTable(int maxEntries) {
    int capacity = Integer.highestOneBit(Math.max(4, maxEntries) * 2 - 1) << 1;
    keys = new long[capacity];
    values = new int[capacity];
    mask = capacity - 1;
    Arrays.fill(values, EMPTY);
  }

  public int size() {
    return size;
  }

  /** The block stored under {@code key}, or -1. */
  public int get(long key) {
    for (int i = slot(key); values[i] != EMPTY; i = (i + 1) & mask) {
      if (keys[i] == key) {
        return values[i];
      }
    }
    return EMPTY;
  }

  /** Stores {@code block} under {@code key}; the key must be absent. */
  public void put(long key, int block) {
    int i = slot(key);
    while (values[i] != EMPTY) {
      if (keys[i] == key) {
        throw new IllegalStateException("key already present");
      }
      i = (i + 1) & mask;
    }
    keys[i] = key;
    values[i] = block;
    size++;
  }

  /** Removes {@code key}; returns the block it mapped to, or -1 when absent. */
  public int remove(long key) {
    int i = slot(key);
    while (values[i] != EMPTY && keys[i] != key) {
      i = (i + 1) & mask;
    }
    int removed = values[i];
    if (removed == EMPTY) {
      return EMPTY;
    }
    // Backward-shift: pull later entries of the probe run into the hole so lookups stay correct.
    int hole = i;
    for (int j = (hole + 1) & mask; values[j] != EMPTY; j = (j + 1) & mask) {
      int home = slot(keys[j]);
      boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        keys[hole] = keys[j];
        values[hole] = values[j];
        hole = j;
      }
    }
    values[hole] = EMPTY;
    size--;
    return removed;
  }

  public void clear() {
    Arrays.fill(values, EMPTY);
    size = 0;
  }

  private int slot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }
}
