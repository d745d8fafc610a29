package dev.ember.cluster.internal;

import dev.ember.kv.KvEvent;
import java.util.List;

/**
 * The cached blocks of one engine as this replica knows them, and which of them start a chain (a
 * prompt's first block, stored without a parent), which the index also keeps by hash across engines.
 * Writers (the engine's event feed) and readers (routing decisions on any event loop) meet on the
 * object's monitor, held only for the length of one batch or one prompt walk.
 */
public final class EngineBlocks {
  private final EngineId id;
  private final FirstBlocks firstBlocks;
  private final LongHashSet blocks = new LongHashSet();
  private final LongHashSet firsts = new LongHashSet();

  EngineBlocks(EngineId id, FirstBlocks firstBlocks) {
    this.id = id;
    this.firstBlocks = firstBlocks;
  }

  /** Applies one batch of events in order. */
  public synchronized void apply(List<KvEvent> events) {
    for (KvEvent e : events) {
      switch (e) {
        case KvEvent.BlockStored s -> {
          long[] h = s.blockHashes();
          if (h.length > 0 && s.parentBlockHash() == null && firsts.add(h[0])) {
            firstBlocks.add(h[0], this);
          }
          for (long hash : h) {
            blocks.add(hash);
          }
        }
        case KvEvent.BlockRemoved r -> {
          for (long hash : r.blockHashes()) {
            blocks.remove(hash);
            if (firsts.remove(hash)) {
              firstBlocks.remove(hash, this);
            }
          }
        }
        case KvEvent.AllBlocksCleared c -> clear();
      }
    }
  }

  /** Replaces everything with a snapshot: every block, and those among them that start a chain. */
  public synchronized void replace(long[] hashes, long[] chainStarts) {
    clear();
    for (long h : hashes) {
      blocks.add(h);
    }
    for (long h : chainStarts) {
      if (firsts.add(h)) {
        firstBlocks.add(h, this);
      }
    }
  }

  public synchronized void clear() {
    for (long h : firsts.toArray()) {
      firstBlocks.remove(h, this);
    }
    firsts.clear();
    blocks.clear();
  }

  /** How many of the prompt's leading blocks this engine holds (the run stops at the first miss). */
  public synchronized int overlap(long[] promptHashes) {
    int n = 0;
    while (n < promptHashes.length && blocks.contains(promptHashes[n])) {
      n++;
    }
    return n;
  }

  /**
   * The overlap as {@link #overlap} gives it, or -1 without walking when the block at {@code probe} (an
   * index into the prompt; ignored outside it) is missing, so the overlap cannot pass it.
   */
  public synchronized int overlapPast(long[] promptHashes, int probe) {
    if (probe >= 0 && probe < promptHashes.length && !blocks.contains(promptHashes[probe])) {
      return -1;
    }
    int n = 0;
    while (n < promptHashes.length && blocks.contains(promptHashes[n])) {
      n++;
    }
    return n;
  }

  /** The engine these blocks belong to. */
  public EngineId id() {
    return id;
  }

  public synchronized int size() {
    return blocks.size();
  }

  public synchronized long[] toArray() {
    return blocks.toArray();
  }

  /** The blocks that start a chain. */
  public synchronized long[] chainStarts() {
    return firsts.toArray();
  }

  public synchronized boolean contains(long hash) {
    return blocks.contains(hash);
  }
}
