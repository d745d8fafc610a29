package dev.ember.cluster.internal;

import java.util.Arrays;

/**
 * A set of 64-bit block hashes without boxing: open addressing with linear probing and backward-shift
 * deletion, about 16 bytes per element at the load factor kept here. Not thread-safe.
 *
 * <pre>{@code LongHashSet s = new LongHashSet(); s.add(h); if (s.contains(h)) ...; s.remove(h); }</pre>
 */
public final class LongHashSet {
  private static final int MIN_CAPACITY = 16;
  private long[] keys;
  private int mask;
  private int size;
  private boolean hasZero;

  public LongHashSet() {
    this(MIN_CAPACITY);
  }

  public LongHashSet(int expected) {
    int cap = Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, expected * 2 - 1)) << 1);
    keys = new long[cap];
    mask = cap - 1;
  }

  public int size() {
    return size + (hasZero ? 1 : 0);
  }

  /** Bytes held by the table. */
  public long tableBytes() {
    return (long) keys.length * Long.BYTES;
  }

  public boolean contains(long key) {
    if (key == 0) {
      return hasZero;
    }
    for (int i = slot(key); ; i = (i + 1) & mask) {
      long k = keys[i];
      if (k == key) {
        return true;
      }
      if (k == 0) {
        return false;
      }
    }
  }

  /** Adds the key; returns false when it was there already. */
  public boolean add(long key) {
    if (key == 0) {
      boolean added = !hasZero;
      hasZero = true;
      return added;
    }
    int i = slot(key);
    for (; keys[i] != 0; i = (i + 1) & mask) {
      if (keys[i] == key) {
        return false;
      }
    }
    keys[i] = key;
    if (++size * 2 > keys.length) {
      grow();
    }
    return true;
  }

  /** Removes the key; returns false when it was not there. */
  public boolean remove(long key) {
    if (key == 0) {
      boolean had = hasZero;
      hasZero = false;
      return had;
    }
    int i = slot(key);
    while (keys[i] != key) {
      if (keys[i] == 0) {
        return false;
      }
      i = (i + 1) & mask;
    }
    // Backward shift: move later entries of the probe run into the hole so lookups never stop early.
    int hole = i;
    for (int j = (hole + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
      int home = slot(keys[j]);
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        keys[hole] = keys[j];
        hole = j;
      }
    }
    keys[hole] = 0;
    size--;
    return true;
  }

  public void clear() {
    Arrays.fill(keys, 0);
    size = 0;
    hasZero = false;
  }

  /** Every key, in no particular order. */
  public long[] toArray() {
    long[] out = new long[size()];
    int n = 0;
    if (hasZero) {
      out[n++] = 0;
    }
    for (long k : keys) {
      if (k != 0) {
        out[n++] = k;
      }
    }
    return out;
  }

  private int slot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  private void grow() {
    long[] old = keys;
    keys = new long[old.length * 2];
    mask = keys.length - 1;
    size = 0;
    for (long k : old) {
      if (k != 0) {
        add(k);
      }
    }
  }
}
