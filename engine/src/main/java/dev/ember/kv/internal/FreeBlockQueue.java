package dev.ember.kv.internal;

/**
 * The LRU queue of free block ids: an intrusive doubly-linked list over two int arrays, so
 * appending, popping the head and unlinking a block from the middle (a cached free block revived
 * by a prefix hit) are O(1) and allocate nothing.
 *
 * <pre>{@code
 * FreeBlockQueue q = new FreeBlockQueue(numBlocks);
 * q.append(7); int lru = q.popHead(); q.remove(7);
 * }</pre>
 */
public final class FreeBlockQueue {

  private static final int NONE = -1;

  private final int[] prev;
  private final int[] next;
  private final boolean[] queued;
  private int head = NONE;
  private int tail = NONE;
  private int size;

  public FreeBlockQueue(int capacity) {
    prev = new int[capacity];
    next = new int[capacity];
    queued = new boolean[capacity];
  }

  public int size() {
    return size;
  }

  public boolean contains(int block) {
    return queued[block];
  }

  /** Adds a block at the tail (most recently freed). */
  public void append(int block) {
    if (queued[block]) {
      throw new IllegalStateException("block " + block + " is already free");
    }
    queued[block] = true;
    prev[block] = tail;
    next[block] = NONE;
    if (tail == NONE) {
      head = block;
    } else {
      next[tail] = block;
    }
    tail = block;
    size++;
  }

  /** Removes and returns the least recently freed block, or -1 when empty. */
  public int popHead() {
    int block = head;
    if (block != NONE) {
      remove(block);
    }
    return block;
  }

  /** The least recently freed block without removing it, or -1 when empty. */
  public int peekHead() {
    return head;
  }

  /** The block freed after {@code block}, or -1 at the tail; for walking the queue in order. */
  public int nextOf(int block) {
    return next[block];
  }

  /** Unlinks a queued block wherever it sits. */
  public void remove(int block) {
    if (!queued[block]) {
      throw new IllegalStateException("block " + block + " is not free");
    }
    int p = prev[block];
    int n = next[block];
    if (p == NONE) {
      head = n;
    } else {
      next[p] = n;
    }
    if (n == NONE) {
      tail = p;
    } else {
      prev[n] = p;
    }
    queued[block] = false;
    size--;
  }
}
