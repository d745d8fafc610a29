package dev.ember.sample.internal;

import java.util.Arrays;

/**
 * Occurrence counts of token ids, an open-addressing {@code int -> int} map without boxing, used for
 * the frequency and presence penalties and, with counts of 1, as the set of tokens seen by the
 * repetition penalty. Keys are kept in insertion order so the penalties visit only the tokens that
 * occurred.
 *
 * <pre>{@code
 * TokenCounts counts = new TokenCounts(64);
 * counts.increment(42);
 * for (int i = 0; i < counts.size(); i++) use(counts.keyAt(i), counts.countAt(i));
 * }</pre>
 *
 * <p>Grows by doubling when half full; a request that keeps generating therefore allocates
 * O(log n) times in all, never per token once the capacity is reached.
 */
public final class TokenCounts {
  private static final int EMPTY = -1;

  private int[] slots;       // hash table: index into keys/counts, or EMPTY
  private int[] keys;        // insertion order
  private int[] counts;
  private int size;

  /** @param expectedKeys initial capacity in distinct keys (at least 1) */
  public TokenCounts(int expectedKeys) {
    int capacity = Math.max(4, Integer.highestOneBit(Math.max(1, expectedKeys) * 2 - 1) << 1);
    slots = new int[capacity];
    Arrays.fill(slots, EMPTY);
    keys = new int[capacity / 2];
    counts = new int[capacity / 2];
  }

  /** Adds one occurrence of {@code key} (a non-negative token id). */
  public void increment(int key) {
    int slot = find(key);
    int index = slots[slot];
    if (index != EMPTY) {
      counts[index]++;
      return;
    }
    if (size == keys.length) {
      grow();
      slot = find(key);
    }
    slots[slot] = size;
    keys[size] = key;
    counts[size] = 1;
    size++;
  }

  /** Number of occurrences of {@code key}, 0 when absent. */
  public int count(int key) {
    int index = slots[find(key)];
    return index == EMPTY ? 0 : counts[index];
  }

  public boolean contains(int key) {
    return slots[find(key)] != EMPTY;
  }

  /** Number of distinct keys. */
  public int size() {
    return size;
  }

  /** The {@code i}-th distinct key in insertion order. */
  public int keyAt(int i) {
    return keys[i];
  }

  /** Occurrences of {@link #keyAt(int) keyAt(i)}. */
  public int countAt(int i) {
    return counts[i];
  }

  private int find(int key) {
    int mask = slots.length - 1;
    int slot = mix(key) & mask;
    while (true) {
      int index = slots[slot];
      if (index == EMPTY || keys[index] == key) {
        return slot;
      }
      slot = (slot + 1) & mask;
    }
  }

  private void grow() {
    int capacity = slots.length * 2;
    keys = Arrays.copyOf(keys, capacity / 2);
    counts = Arrays.copyOf(counts, capacity / 2);
    slots = new int[capacity];
    Arrays.fill(slots, EMPTY);
    int mask = capacity - 1;
    for (int i = 0; i < size; i++) {
      int slot = mix(keys[i]) & mask;
      while (slots[slot] != EMPTY) {
        slot = (slot + 1) & mask;
      }
      slots[slot] = i;
    }
  }

  private static int mix(int key) {
    int h = key * 0x9E3779B9;
    return h ^ (h >>> 16);
  }
}
